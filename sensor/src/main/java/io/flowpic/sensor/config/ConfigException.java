package io.flowpic.sensor.config;

/** A configuration that cannot be used; the message names the file and the key. */
public final class ConfigException extends Exception
{
    public ConfigException(final String message)
    {
        super(message);
    }
}
