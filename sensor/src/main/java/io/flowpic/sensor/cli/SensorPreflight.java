package io.flowpic.sensor.cli;

import io.flowpic.inference.ModelException;
import io.flowpic.inference.ModelMetadata;
import io.flowpic.sensor.capture.DefaultInterface;
import io.flowpic.sensor.capture.LiveCapture;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.pipeline.ModelLocator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that {@code run} and {@code replay} make before they create anything: a sensor that fails on its
 * model, interface or port must not leave a journal directory and counters file behind, which later
 * commands (stat, journal tail, export) would take for a sensor that ran.
 */
final class SensorPreflight
{
    private SensorPreflight()
    {
    }

    /** journal.path must be a directory or not exist yet; a regular file there made Chronicle fail naming only the path. */
    static void journal(final SensorConfig config) throws IOException
    {
        final Path path = Path.of(config.journal().path());
        if (Files.exists(path) && !Files.isDirectory(path))
        {
            throw new IOException("journal.path " + path + ": exists and is not a directory (the journal is a " +
                "directory of its own)");
        }
    }

    /** The model directory and its metadata, without starting TensorFlow (the full load follows). */
    static void model(final SensorConfig config) throws ModelException
    {
        // The loader's own first checks, in its words; TensorFlow itself is left for the full load.
        final Path dir = ModelLocator.resolve(config.model().path());
        if (!Files.isDirectory(dir))
        {
            throw new ModelException(dir + ": model directory does not exist or is not a directory");
        }
        if (!Files.isRegularFile(dir.resolve("saved_model.pb")))
        {
            throw new ModelException(dir + ": no saved_model.pb (not a SavedModel directory)");
        }
        ModelMetadata.read(dir);
    }

    /** Opens and closes a capture handle: missing or down interface, bad filter, missing privileges. */
    static void capture(final SensorConfig config) throws IOException
    {
        String name = config.capture().iface();
        if (name.isBlank())
        {
            name = DefaultInterface.choose()
                .orElseThrow(() -> new IOException("capture.interface is empty and no interface is up: set one"))[0];
        }
        LiveCapture.probe(name, config.capture());
    }

    /** A metrics port another process holds would otherwise fail only after the journal was created. */
    static void metricsPort(final SensorConfig config) throws IOException
    {
        final SensorConfig.Metrics metrics = config.metrics();
        if (!metrics.enabled() || metrics.port() == 0)
        {
            return;
        }
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(metrics.bind(), metrics.port()));
        }
        catch (final IOException ex)
        {
            throw new IOException("metrics.port " + metrics.port() + " on " + metrics.bind() + ": cannot listen (" +
                ex.getMessage() + ")", ex);
        }
    }
}
