package io.flowpic.sensor.cli;

import io.flowpic.inference.ModelException;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.daemon.LiveSensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {"Capture live traffic and journal a label per flow block until SIGTERM/SIGINT.",
        "SIGHUP reloads the model (model.path of --config, or --model) without stopping capture."})
final class RunCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    SensorOptions sensorOptions;

    @Option(names = "--interface", paramLabel = "IF", description = "Interface (overrides capture.interface).")
    String iface;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
        description = "Stop by itself after this many seconds (0 = run until signalled).")
    long durationSeconds;

    public Integer call() throws InterruptedException
    {
        final PrintWriter err = spec.commandLine().getErr();
        OptionChecks.atLeast(spec, "--duration", durationSeconds, 0);
        SensorConfig sensorConfig = sensorOptions.load(err);
        if (sensorConfig == null)
        {
            return ExitCodes.CONFIG_ERROR;
        }
        if (iface != null)
        {
            sensorConfig = sensorConfig.withInterface(iface);
        }
        if ("root".equals(System.getProperty("user.name")))
        {
            err.println("flowpic: warning: running as root; the service runs as user 'flowpic' with only " +
                "CAP_NET_RAW and CAP_NET_ADMIN (see systemd/flowpic.service)");
        }

        // Everything that can be checked is, before LiveSensor creates the journal directory and counters file.
        try
        {
            SensorPreflight.journal(sensorConfig);
            SensorPreflight.model(sensorConfig);
            SensorPreflight.capture(sensorConfig);
            SensorPreflight.metricsPort(sensorConfig);
        }
        catch (final ModelException | IOException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }

        final CountDownLatch stop = new CountDownLatch(1);
        final AtomicBoolean reloadRequested = new AtomicBoolean();
        // With --model the reload re-reads that directory; otherwise model.path of the config file.
        final Path reloadConfig = sensorOptions.model != null ? null : sensorOptions.config;
        try (LiveSensor sensor = LiveSensor.start(sensorConfig, reloadConfig, err))
        {
            // Installed once running: SIGTERM/SIGINT then finish open blocks and exit 0.
            Signal.handle(new Signal("TERM"), signal -> stop.countDown());
            Signal.handle(new Signal("INT"), signal -> stop.countDown());
            Signal.handle(new Signal("HUP"), signal -> reloadRequested.set(true));
            final long deadline = durationSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds) :
                Long.MAX_VALUE;
            while (!stop.await(1, TimeUnit.SECONDS) && System.nanoTime() < deadline)
            {
                sensor.tick();
                if (reloadRequested.getAndSet(false))
                {
                    sensor.reload();
                }
            }
            err.println("flowpic: stopping: finishing open blocks");
            err.flush();
            sensor.stop();
            sensor.tick();
            final io.flowpic.sensor.pipeline.SensorCounters c = sensor.counters();
            long malformed = 0;
            long skipped = 0;
            for (final io.flowpic.flowtable.decode.DecodeResult result :
                io.flowpic.flowtable.decode.DecodeResult.values())
            {
                if (result != io.flowpic.flowtable.decode.DecodeResult.OK)
                {
                    final long count = c.decodeResults[result.ordinal()].get();
                    malformed += result.isMalformed() ? count : 0;
                    skipped += result.isSkipped() ? count : 0;
                }
            }
            err.printf("flowpic: stopped; packets captured %d (decoded %d, malformed %d, skipped %d, ring drops %d), " +
                "kernel drops %d; flows created %d, packets of flows refused (table full) %d; " +
                "blocks classified %d, too small %d, dropped %d; " +
                "journal records %d, refused %d%n",
                c.packetsReceived.get(), c.packetsDecoded.get(), malformed, skipped, c.packetsRingDropped.get(),
                c.kernelDropped.get(), c.flowTable.flowsCreated.get(), c.flowTable.packetsRejectedTableFull.get(),
                c.blocksClassified.get(), c.blocksTooSmall.get(), c.blocksDropped.get(), c.journalRecords.get(),
                c.journalErrors.get());
            err.flush();
        }
        catch (final ModelException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        catch (final IOException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        return ExitCodes.OK;
    }
}
