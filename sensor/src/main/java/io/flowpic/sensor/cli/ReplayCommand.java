package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.pipeline.AgentLauncher;
import io.flowpic.sensor.pipeline.CaptureTimes;
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
    description = {"Run capture files (pcap, pcapng) through the sensor pipeline and journal a label per flow block.",
        "Without --journal (or a --config that sets journal.path) it journals into a new directory " +
            "./flowpic-replay-<UTC time>, never into the live sensor's journal; the summary names it."})
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

    @Option(names = "--continuous",
        description = "The files are one capture rotated into many (tcpdump -C/-G), given in time order: flows and " +
            "open blocks carry over from each file into the next. Default: each file is a capture of its own.")
    boolean continuous;

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
        if (continuous)
        {
            // Only first packets are read: files out of order are refused before a journal or model is opened.
            final String outOfOrder = CaptureTimes.outOfOrder(files);
            if (outOfOrder != null)
            {
                throw OptionChecks.fail(spec, outOfOrder);
            }
        }
        // Checked before a journal directory is created: a replay that cannot start leaves none behind.
        try
        {
            SensorPreflight.model(sensorConfig);
            if (sensorOptions.journal != null || ReplayJournalDir.configSetsJournalPath(sensorOptions.config))
            {
                SensorPreflight.journal(sensorConfig);
            }
        }
        catch (final ModelException | IOException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        Path ownJournal = null;
        try
        {
            if (sensorOptions.journal == null && !ReplayJournalDir.configSetsJournalPath(sensorOptions.config))
            {
                ownJournal = ReplayJournalDir.create();
                sensorConfig = sensorConfig.withJournalPath(ownJournal.toString());
            }
        }
        catch (final IOException ex)
        {
            err.println("flowpic: cannot create a journal directory for this replay (give one with --journal): " +
                ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        final Path journal = Path.of(sensorConfig.journal().path()).toAbsolutePath();
        // What the model's full load finds only later (a SavedModel TensorFlow refuses) still leaves no
        // journal directory that this run created.
        final Path createdJournal = ownJournal != null ? ownJournal : java.nio.file.Files.exists(journal) ? null : journal;

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
            pipeline = new ReplayPipeline(sensorConfig, model, err).continuous(continuous);
            result = pipeline.run(files);
        }
        catch (final AgentLauncher.PipelineStoppedException ex)
        {
            err.println("flowpic: " + (ex.getCause() instanceof ModelException ? ex.getCause().getMessage() :
                ex.getMessage()));
            if (ex.getCause() instanceof ModelException && createdJournal != null)
            {
                ReplayJournalDir.discard(createdJournal);
            }
            return ex.getCause() instanceof ModelException ? ExitCodes.CONFIG_ERROR : ExitCodes.INPUT_ERROR;
        }
        catch (final IOException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            if (createdJournal != null)
            {
                ReplayJournalDir.discard(createdJournal);
            }
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
        print(result, journal, pipeline.failedFiles(), out);
        final long refused = pipeline.counters().journalErrors.get();
        if (refused > 0)
        {
            err.println("flowpic: " + refused + " classified blocks were not journaled (free disk below " +
                "journal.min-free-mb, or write errors)");
            err.flush();
        }
        return pipeline.fileErrors().isEmpty() && refused == 0 ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
    }

    private void print(final ReplaySummary result, final Path journal, final Map<Path, String> failed,
        final PrintWriter out)
    {
        if (summary == SummaryFormat.json)
        {
            final Map<String, Object> json = new java.util.LinkedHashMap<>(result.toJsonMap());
            json.put("journal", journal.toString());
            final List<Map<String, String>> failedFiles = new java.util.ArrayList<>();
            failed.forEach((file, error) ->
            {
                final Map<String, String> entry = new java.util.LinkedHashMap<>();
                entry.put("file", file.toString());
                entry.put("error", error);
                failedFiles.add(entry);
            });
            json.put("failed_files", failedFiles);
            try
            {
                out.println(new ObjectMapper().writeValueAsString(json));
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
        out.printf("journal            %s%n", journal);
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
