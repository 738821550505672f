package io.flowpic.sensor.cli;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.inference.eval.EvaluationReport;
import io.flowpic.inference.eval.ModelEvaluator;
import io.flowpic.inference.render.ConfidenceCurveChart;
import io.flowpic.inference.render.FlowPicImages;
import io.flowpic.inference.train.Evaluation;
import io.flowpic.sensor.pipeline.ModelLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = "Classify every qualifying block of labelled FlowPic CSV files with a model (its own resolution and " +
        "block length) and report accuracy, macro-F1, per-class precision/recall/F1, the confusion matrix, the " +
        "calibration error and the accuracy/coverage curve over min-confidence thresholds.")
final class EvaluateCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "default", paramLabel = "DIR|default",
        description = "Model directory, or 'default' for the shipped model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "LABEL=FILE",
        description = "Labelled session file (FlowPic CSV, plain or gzip); LABEL must be one of the model's labels. Repeat.")
    List<String> data;

    enum Format
    {
        text, json
    }

    @Option(names = "--format", defaultValue = "text", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--confusion-png", paramLabel = "FILE", description = "Also draw the labelled confusion matrix as PNG.")
    Path confusionPng;

    @Option(names = "--min-confidence", paramLabel = "X",
        description = "Also report coverage and accuracy at this flowpic.min-confidence, in (0, 1]: blocks whose top " +
            "calibrated score is below it count as unknown (default: off).")
    Double minConfidence;

    @Option(names = "--curve-png", paramLabel = "FILE",
        description = "Also draw the accuracy/coverage curve over min-confidence thresholds as PNG.")
    Path curvePng;

    @Option(names = "--min-packets", defaultValue = "10", description = "Blocks with fewer packets are left out (default: ${DEFAULT-VALUE}).")
    int minPackets;

    @Option(names = "--batch", defaultValue = "256", description = "Blocks per model call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--skip-bad-rows", description = "Count and skip malformed CSV rows instead of failing.")
    boolean skipBadRows;

    private void checkPngTarget(final String option, final Path png)
    {
        if (Files.isDirectory(png))
        {
            throw OptionChecks.fail(spec, "Invalid value for option '" + option + "': " + png + " is a directory; " +
                "give the PNG file to write, e.g. " + png.resolve(option.substring(2, option.length() - 4) + ".png"));
        }
        final Path parent = png.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            throw OptionChecks.fail(spec, "Invalid value for option '" + option + "': directory " + parent +
                " does not exist");
        }
    }

    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        final PrintWriter out = spec.commandLine().getOut();
        OptionChecks.atLeast(spec, "--min-packets", minPackets, 1);
        OptionChecks.atLeast(spec, "--batch", batch, 1);
        if (minConfidence != null && !(minConfidence > 0 && minConfidence <= 1))
        {
            throw OptionChecks.fail(spec, "Invalid value for option '--min-confidence': must be a score in (0, 1] " +
                "but was " + minConfidence);
        }
        final List<Map.Entry<String, Path>> files = new ArrayList<>();
        for (final String item : data)
        {
            final Map.Entry<String, Path> entry = DatasetCommand.labelled(item, false);
            if (entry == null)
            {
                err.println("flowpic: --data expects LABEL=FILE, got '" + item + "'");
                return ExitCodes.USAGE;
            }
            if (!Files.isRegularFile(entry.getValue()))
            {
                // Checked before the model loads; a directory is not "no such file".
                err.println("flowpic: --data " + item + ": " + (Files.isDirectory(entry.getValue()) ?
                    "is a directory, not a FlowPic CSV file" : "no such file"));
                return ExitCodes.INPUT_ERROR;
            }
            files.add(entry);
        }
        if (confusionPng != null)
        {
            // Checked before minutes of evaluation, not found after the report is printed.
            checkPngTarget("--confusion-png", confusionPng);
        }
        if (curvePng != null)
        {
            checkPngTarget("--curve-png", curvePng);
        }
        final Path dir;
        try
        {
            dir = ModelLocator.resolve(model);
        }
        catch (final ModelException e)
        {
            err.println("flowpic: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        io.flowpic.sensor.pipeline.NativeLogs.quiet();
        try (FlowPicClassifier classifier = FlowPicClassifier.load(dir))
        {
            final List<String> labels = classifier.metadata().labels();
            for (final Map.Entry<String, Path> entry : files)
            {
                if (!labels.contains(entry.getKey()))
                {
                    err.println("flowpic: data label '" + entry.getKey() + "' is not one of the model's labels " + labels +
                        " (model " + dir + ")");
                    return ExitCodes.USAGE;
                }
            }
            final DatasetCommand.Progress progress = new DatasetCommand.Progress(err);
            final ModelEvaluator evaluator = new ModelEvaluator(classifier, minPackets, batch)
                .progress((sessions, blocks) -> progress.update(() -> "evaluate: " + sessions + " sessions, " + blocks + " blocks"));
            long skipped = 0;
            for (final Map.Entry<String, Path> entry : files)
            {
                skipped += evaluator.addFile(entry.getKey(), entry.getValue(), skipBadRows);
            }
            final Evaluation evaluation = evaluator.finish();
            progress.done();
            if (evaluation.total() == 0)
            {
                // A report of 0 samples (accuracy NaN or 0) reads like a result; it is an input error.
                err.println("flowpic: no qualifying block (at least " + minPackets + " packets within one " +
                    "block) in " + files.stream().map(e -> e.getValue().toString()).toList() + "; nothing evaluated");
                return ExitCodes.INPUT_ERROR;
            }
            if (skipped > 0)
            {
                err.println("flowpic: skipped " + skipped + " malformed rows");
            }
            if (format == Format.json)
            {
                out.println(EvaluationReport.json(evaluation, evaluator.confidence(), minConfidence));
            }
            else
            {
                out.print(EvaluationReport.text(evaluation, evaluator.confidence(), minConfidence));
            }
            out.flush();
            if (confusionPng != null)
            {
                FlowPicImages.writePng(FlowPicImages.confusion(evaluation), confusionPng);
            }
            if (curvePng != null)
            {
                FlowPicImages.writePng(ConfidenceCurveChart.draw(evaluator.confidence(), minConfidence), curvePng);
            }
            return ExitCodes.OK;
        }
        catch (final ModelException e)
        {
            err.println("flowpic: " + e.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        catch (final Exception e)
        {
            err.println("flowpic: evaluate failed: " + e.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
    }
}
