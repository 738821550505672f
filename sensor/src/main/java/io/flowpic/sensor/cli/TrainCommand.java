package io.flowpic.sensor.cli;

import io.flowpic.inference.train.Architecture;
import io.flowpic.inference.train.Evaluation;
import io.flowpic.inference.train.Features;
import io.flowpic.inference.train.Trainer;
import io.flowpic.inference.train.TrainingOptions;
import io.flowpic.inference.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a FlowPic model from labelled FlowPic CSV files and write a SavedModel, its metadata and " +
        "training-report.json.")
final class TrainCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "LABEL=FILE",
        description = "Labelled session file (FlowPic CSV, plain or gzip); repeat per class or file.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must be empty or absent).")
    Path out;

    @Option(names = "--arch", defaultValue = "mini", description = "mini (LeNet-5, R 32/64) or full (original FlowPic net, R 1500).")
    String arch;

    @Mixin
    BlockOptions shape;

    @Option(names = "--features", defaultValue = "image",
        description = "What the dense layers see, a '+'-joined list of image (the CNN, as published), stats (17 per-block "
            + "statistics computed inside the model from the same FlowPic) and transport (a second model input: 1 for "
            + "UDP, 0 for TCP); e.g. image+stats+transport (default: ${DEFAULT-VALUE}).")
    String features;

    @Option(names = "--epochs", defaultValue = "30", description = "Maximum epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for split, shuffling, init, augmentation.")
    long seed;

    @Option(names = "--val-fraction", defaultValue = "0.2", description = "Share of groups held out for validation.")
    double valFraction;

    @Option(names = "--split-by", defaultValue = "pcap",
        description = "Validation groups: pcap (whole captures) or source (pcap_name up to the first '/').")
    String splitBy;

    @Option(names = "--monitor", defaultValue = "macro_f1", description = "Early stopping on loss or macro_f1 (default: ${DEFAULT-VALUE}).")
    String monitor;

    @Option(names = "--patience", defaultValue = "5", description = "Epochs without improvement before stopping.")
    int patience;

    @Option(names = "--augment", defaultValue = "2",
        description = "Augmented copies per training session: time scaled by U[0.5,1.5] and shifted (0 = none).")
    int augment;

    @Option(names = "--name", defaultValue = "flowpic", description = "Model name, the prefix of its model id.")
    String name;

    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        final PrintWriter out = spec.commandLine().getOut();
        final Features chosen;
        try
        {
            chosen = Features.parse(features);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("flowpic: --features: " + ex.getMessage());
            return ExitCodes.USAGE;
        }
        final TrainingOptions options = new TrainingOptions()
            .outputDir(this.out)
            .modelName(name)
            .architecture("full".equalsIgnoreCase(arch) ? Architecture.FULL : Architecture.MINI)
            .features(chosen)
            .resolution(shape.resolution)
            .blockSeconds(shape.blockSeconds)
            .minPackets(shape.minPackets)
            .epochs(epochs)
            .batchSize(batch)
            .seed(seed)
            .validationFraction(valFraction)
            .splitBy("source".equalsIgnoreCase(splitBy) ? TrainingOptions.SplitBy.SOURCE : TrainingOptions.SplitBy.PCAP)
            .monitor("loss".equalsIgnoreCase(monitor) ? TrainingOptions.Monitor.LOSS : TrainingOptions.Monitor.MACRO_F1)
            .patience(patience)
            .augmentCopies(augment)
            .skipBadRows(shape.skipBadRows);
        for (final String item : data)
        {
            final java.util.Map.Entry<String, Path> entry = DatasetCommand.labelled(item, false);
            if (entry == null)
            {
                err.println("flowpic: --data expects LABEL=FILE, got '" + item + "'");
                return ExitCodes.USAGE;
            }
            options.addFile(entry.getKey(), entry.getValue());
        }
        final TrainingResult result;
        try
        {
            result = Trainer.train(options);
        }
        catch (final Exception ex)
        {
            err.println("flowpic: training failed: " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        final Evaluation validation = result.validation();
        out.printf("model %s written to %s%n", result.modelId(), result.outputDir());
        out.printf("epochs run %d (best %d, stopped by %s)%n", result.epochsRun(), result.bestEpoch(), result.stoppedBy());
        if (validation != null)
        {
            out.printf("validation accuracy %.3f, macro-F1 %.3f over %d blocks%n", validation.accuracy(),
                validation.macroF1(), validation.total());
            for (final Evaluation.ClassMetrics metrics : validation.perClass())
            {
                out.printf("  %-16s precision %.3f recall %.3f f1 %.3f support %d%n", metrics.label(),
                    metrics.precision(), metrics.recall(), metrics.f1(), metrics.support());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
