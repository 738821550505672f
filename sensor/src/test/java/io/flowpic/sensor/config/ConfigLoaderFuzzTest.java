package io.flowpic.sensor.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Any file content as a config file: {@link ConfigLoader#load(Path)} either returns a config that passes the
 * range checks or throws {@link ConfigException} naming the file; nothing else may escape (no Jackson or
 * SnakeYAML exception, no NullPointerException, no ClassCastException).
 * Regression inputs: {@code src/test/resources/io/flowpic/sensor/config/ConfigLoaderFuzzTestInputs/load/}.
 */
class ConfigLoaderFuzzTest
{
    private static final ConfigLoader LOADER = new ConfigLoader();
    private static Path dir;
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException
    {
        final Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ?
            Files.createTempDirectory(shm, "config-fuzz") : Files.createTempDirectory("config-fuzz");
        file = dir.resolve("flowpic.yaml");
    }

    @AfterAll
    static void deleteFile() throws IOException
    {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "40s")
    void load(final byte[] data)
    {
        try
        {
            Files.write(file, data);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final SensorConfig config;
        try
        {
            config = LOADER.load(file);
        }
        catch (final ConfigException expected)
        {
            assertNotNull(expected.getMessage());
            assertTrue(expected.getMessage().contains(file.toString()), () -> "message does not name the file: " +
                expected.getMessage());
            return;
        }
        assertNotNull(config);
        assertDoesNotThrow(() -> new ConfigValidator(file.toString()).validate(config));
    }
}
