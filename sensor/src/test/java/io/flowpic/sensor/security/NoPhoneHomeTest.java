package io.flowpic.sensor.security;

import org.junit.jupiter.api.Test;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A sensor never phones home: Chronicle's usage analytics must not be on the class path at all. */
class NoPhoneHomeTest
{
    @Test
    void chronicleAnalyticsIsAbsentFromTheRuntimeClassPath()
    {
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            assertFalse(entry.contains("chronicle-analytics"), entry);
        }
        assertThrows(ClassNotFoundException.class,
            () -> Class.forName("net.openhft.chronicle.analytics.Analytics"));
    }
}
