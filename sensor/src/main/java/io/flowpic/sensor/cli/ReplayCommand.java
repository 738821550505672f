package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.pipeline.ModelLocator;
import io.flowpic.sensor.pipeline.PhaseLog;
import io.flowpic.sensor.pipeline.ReplayPipeline;
import io.flowpic.sensor.pipeline.ReplaySummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = "Run capture files (pcap, pcapng) through the sensor pipeline and journal a label per flow block.")
final class ReplayCommand implements Callable<Integer>
{
    enum SummaryFormat
    {
        text, json
    }

    @Spec
    CommandSpec spec;

    @Mixin
    SensorOptions sensorOptions;

    @Option(names = "--summary", paramLabel = "FORMAT", defaultValue = "text",
        description = "Summary format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SummaryFormat summary;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Capture files, replayed in order.")
    List<Path> files;

    public Integer call()
    {
        PhaseLog.mark("command");
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        SensorConfig sensorConfig = sensorOptions.load(err);
        if (sensorConfig == null)
        {
            return ExitCodes.CONFIG_ERROR;
        }

        final ReplaySummary result;
        final ReplayPipeline pipeline;
        // TensorFlow and the model load while the files are already being read.
        final SensorConfig loadConfig = sensorConfig;
        final CompletableFuture<FlowPicClassifier> model = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                PhaseLog.mark("model-load-start");
                final FlowPicClassifier loaded = ModelLocator.load(loadConfig.model().path(),
                    loadConfig.flowpic().spec(), loadConfig.inference().threads());
                PhaseLog.mark("model-ready");
                return loaded;
            }
            catch (final ModelException ex)
            {
                throw new CompletionException(ex);
            }
        });
        try
        {
            pipeline = new ReplayPipeline(sensorConfig, model, err);
            result = pipeline.run(files);
        }
        catch (final ReplayPipeline.PipelineStoppedException ex)
        {
            err.println("flowpic: " + (ex.getCause() instanceof ModelException ? ex.getCause().getMessage() :
                ex.getMessage()));
            return ex.getCause() instanceof ModelException ? ExitCodes.CONFIG_ERROR : ExitCodes.INPUT_ERROR;
        }
        catch (final IOException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        finally
        {
            model.handle((classifier, failure) ->
            {
                if (classifier != null)
                {
                    classifier.close();
                }
                return null;
            }).join();
            PhaseLog.mark("model-closed");
        }
        print(result, out);
        final long refused = pipeline.counters().journalErrors.get();
        if (refused > 0)
        {
            err.println("flowpic: " + refused + " classified blocks were not journaled (free disk below " +
                "journal.min-free-mb, or write errors)");
            err.flush();
        }
        return pipeline.fileErrors().isEmpty() && refused == 0 ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
    }

    private void print(final ReplaySummary result, final PrintWriter out)
    {
        if (summary == SummaryFormat.json)
        {
            try
            {
                out.println(new ObjectMapper().writeValueAsString(result.toJsonMap()));
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
            out.flush();
            return;
        }
        out.printf("files              %d%n", result.files());
        out.printf("packets read       %d%n", result.packets());
        out.printf("decoded (TCP/UDP)  %d%n", result.decoded());
        printCounts(out, "malformed", result.malformed());
        printCounts(out, "skipped", result.skipped());
        out.printf("flows              %d%n", result.flows());
        out.printf("blocks classified  %d%n", result.blocksClassified());
        out.printf("blocks too small   %d%n", result.blocksTooSmall());
        out.printf("blocks dropped     %d%n", result.blocksDropped());
        printCounts(out, "labels", result.labels());
        out.printf("seconds            %.3f%n", result.seconds());
        out.printf("throughput         %.0f packets/s%n", result.packetsPerSecond());
        out.flush();
    }

    private static void printCounts(final PrintWriter out, final String title, final Map<String, Long> counts)
    {
        long total = 0;
        for (final long value : counts.values())
        {
            total += value;
        }
        out.printf("%-18s %d%n", title, total);
        for (final Map.Entry<String, Long> entry : counts.entrySet())
        {
            out.printf("  %-28s %d%n", entry.getKey(), entry.getValue());
        }
    }
}
