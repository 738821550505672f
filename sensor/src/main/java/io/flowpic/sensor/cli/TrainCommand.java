package io.flowpic.sensor.cli;

import io.flowpic.inference.train.Architecture;
import io.flowpic.inference.train.Evaluation;
import io.flowpic.inference.ModelException;
import io.flowpic.inference.train.Features;
import io.flowpic.inference.train.InitialWeights;
import io.flowpic.inference.train.Trainer;
import io.flowpic.inference.train.TrainingOptions;
import io.flowpic.inference.train.TrainingResult;
import io.flowpic.sensor.pipeline.ModelLocator;
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

    /** Lower-case constants: Picocli lists them as the allowed values, as the user types them. */
    enum Arch
    {
        mini(Architecture.MINI), full(Architecture.FULL);

        final Architecture architecture;

        Arch(final Architecture architecture)
        {
            this.architecture = architecture;
        }
    }

    enum SplitBy
    {
        pcap(TrainingOptions.SplitBy.PCAP), source(TrainingOptions.SplitBy.SOURCE);

        final TrainingOptions.SplitBy value;

        SplitBy(final TrainingOptions.SplitBy value)
        {
            this.value = value;
        }
    }

    enum Monitor
    {
        loss(TrainingOptions.Monitor.LOSS), macro_f1(TrainingOptions.Monitor.MACRO_F1), none(TrainingOptions.Monitor.NONE);

        final TrainingOptions.Monitor value;

        Monitor(final TrainingOptions.Monitor value)
        {
            this.value = value;
        }
    }

    @Option(names = "--arch", defaultValue = "mini", paramLabel = "ARCH",
        description = "${COMPLETION-CANDIDATES}: mini (LeNet-5, R 32/64) or full (original FlowPic net, R 1500) " +
            "(default: ${DEFAULT-VALUE}).")
    Arch arch;

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

    @Option(names = "--seed", defaultValue = "42",
        description = "Seed for split, shuffling, init, augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--val-fraction", defaultValue = "0.2",
        description = "Share of groups held out for validation (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--split-by", defaultValue = "pcap", paramLabel = "GROUP",
        description = "Validation groups, ${COMPLETION-CANDIDATES}: pcap (whole captures) or source (pcap_name up to " +
            "the first '/') (default: ${DEFAULT-VALUE}).")
    SplitBy splitBy;

    @Option(names = "--monitor", defaultValue = "macro_f1", paramLabel = "METRIC",
        description = "Early stopping on ${COMPLETION-CANDIDATES} (none: every epoch runs and the last is kept; " +
            "default: ${DEFAULT-VALUE}).")
    Monitor monitor;

    @Option(names = "--patience", defaultValue = "5",
        description = "Epochs without improvement before stopping (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--augment", defaultValue = "2",
        description = "Augmented copies per training session: time scaled by U[0.5,1.5] and shifted (0 = none; " +
            "default: ${DEFAULT-VALUE}).")
    int augment;

    @Option(names = "--augment-loss", defaultValue = "0", paramLabel = "RATE",
        description = "Augmented copies also lose packets, each copy at a rate drawn from U[0, RATE] (0 = none; " +
            "default: ${DEFAULT-VALUE}).")
    double augmentLoss;

    @Option(names = "--augment-size-jitter", defaultValue = "0", paramLabel = "BYTES",
        description = "Augmented copies also move every packet size by up to BYTES either way (0 = none; " +
            "default: ${DEFAULT-VALUE}).")
    int augmentSizeJitter;

    @Option(names = "--balance-sources",
        description = "Within each class, give every source (pcap_name up to the first '/') the same total weight, so " +
            "one large source does not define how the class looks.")
    boolean balanceSources;

    @Option(names = "--leave-one-source-out",
        description = "Before training the model, measure the recipe on unseen networks: train one model per source " +
            "(pcap_name up to the first '/') on all other sources for exactly --epochs epochs and test it on the " +
            "held-out one; writes cross-validation.json and cross-validation.txt beside the model. The model itself " +
            "then also runs every epoch, as the folds did, and its calibration temperature is fitted on the held-out " +
            "sources' scores.")
    boolean leaveOneSourceOut;

    @Option(names = "--init-from", paramLabel = "DIR|default",
        description = "Fine-tune this model (a directory, or 'default' for the shipped one): training starts from its " +
            "weights, and its architecture, features, resolution, block length and labels are kept (the --data labels " +
            "must be its labels; a differing --arch, --features, --resolution or --block-seconds is refused).")
    String initFrom;

    @Option(names = "--name", defaultValue = "flowpic",
        description = "Model name, the prefix of its model id (default: ${DEFAULT-VALUE}).")
    String name;

    /** Settled in call() from the options and --init-from's model; read by options() for every fold. */
    private Features chosen;
    private Architecture architecture;
    private InitialWeights initial;

    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        final PrintWriter out = spec.commandLine().getOut();
        // Every option is checked before the first file is read: a bad value is a usage error (2), never
        // something found after minutes of training.
        try
        {
            chosen = Features.parse(features);
        }
        catch (final IllegalArgumentException ex)
        {
            throw OptionChecks.fail(spec, "Invalid value for option '--features': " + ex.getMessage());
        }
        shape.validate(spec);
        architecture = arch.architecture;
        if (initFrom != null)
        {
            try
            {
                io.flowpic.sensor.pipeline.NativeLogs.quiet();
                initial = InitialWeights.load(ModelLocator.resolve(initFrom));
            }
            catch (final ModelException ex)
            {
                err.println("flowpic: --init-from: " + ex.getMessage());
                return ExitCodes.CONFIG_ERROR;
            }
            // What was not asked for comes from the model; what was asked for must agree with it (TrainingOptions).
            final picocli.CommandLine.ParseResult given = spec.commandLine().getParseResult();
            architecture = given.hasMatchedOption("--arch") ? architecture : initial.architecture();
            chosen = given.hasMatchedOption("--features") ? chosen : initial.features();
            shape.resolution = given.hasMatchedOption("--resolution") ? shape.resolution :
                initial.metadata().resolution();
            shape.blockSeconds = given.hasMatchedOption("--block-seconds") ? shape.blockSeconds :
                initial.metadata().blockSeconds();
        }
        // The full net's two stride-5 convolutions and pools leave nothing of a 32x32 picture.
        if (architecture == Architecture.FULL && shape.resolution < 64)
        {
            throw OptionChecks.fail(spec, "Invalid value for option '--resolution': --arch full needs 64 or 1500 " +
                "but was " + shape.resolution);
        }
        OptionChecks.atLeast(spec, "--epochs", epochs, 1);
        OptionChecks.atLeast(spec, "--batch", batch, 1);
        OptionChecks.atLeast(spec, "--patience", patience, 1);
        OptionChecks.atLeast(spec, "--augment", augment, 0);
        if (!(valFraction >= 0 && valFraction < 1))
        {
            throw OptionChecks.fail(spec, "Invalid value for option '--val-fraction': must be in [0, 1) but was " +
                valFraction);
        }
        OptionChecks.atLeast(spec, "--augment-size-jitter", augmentSizeJitter, 0);
        if (!(augmentLoss >= 0 && augmentLoss < 1))
        {
            throw OptionChecks.fail(spec, "Invalid value for option '--augment-loss': must be in [0, 1) but was " +
                augmentLoss);
        }
        OptionChecks.emptyOrAbsentDirectory(spec, "--out", this.out);
        final TrainingOptions options = options();
        final java.util.Set<String> labels = new java.util.TreeSet<>(options.dataFiles().keySet());
        if (labels.size() < 2)
        {
            throw OptionChecks.fail(spec, "Invalid value for option '--data': need files of at least two labels, got " +
                labels);
        }
        io.flowpic.sensor.pipeline.NativeLogs.quiet();
        io.flowpic.inference.train.CrossValidationReport crossValidation = null;
        if (leaveOneSourceOut)
        {
            try
            {
                crossValidation = io.flowpic.inference.train.SourceCrossValidation.run(this::options, System.err);
            }
            catch (final Exception ex)
            {
                err.println("flowpic: leave-one-source-out validation failed: " + ex.getMessage());
                return ExitCodes.INPUT_ERROR;
            }
            // Shown now: it took most of the run, and must not be lost if training the model itself then fails.
            err.print(crossValidation.table());
            err.flush();
            options.monitor(TrainingOptions.Monitor.NONE)
                .calibrateOn(crossValidation.scores(), crossValidation.trueLabels());
        }
        final TrainingResult result;
        try
        {
            result = Trainer.train(options);
            if (crossValidation != null)
            {
                crossValidation.writeJson(this.out.resolve("cross-validation.json"), options().describe());
                java.nio.file.Files.writeString(this.out.resolve("cross-validation.txt"), crossValidation.table());
            }
        }
        catch (final Exception ex)
        {
            err.println("flowpic: training failed: " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        return report(result, crossValidation, err, out);
    }

    /** Fresh options from the command line; called once per cross-validation fold too. */
    private TrainingOptions options()
    {
        final TrainingOptions options = new TrainingOptions()
            .outputDir(this.out)
            .modelName(name)
            .architecture(architecture)
            .features(chosen)
            .initFrom(initial)
            .resolution(shape.resolution)
            .blockSeconds(shape.blockSeconds)
            .minPackets(shape.minPackets)
            .epochs(epochs)
            .batchSize(batch)
            .seed(seed)
            .validationFraction(valFraction)
            .splitBy(splitBy.value)
            .monitor(monitor.value)
            .patience(patience)
            .augmentCopies(augment)
            .maxLossRate(augmentLoss)
            .sizeJitter(augmentSizeJitter)
            .sourceBalancing(balanceSources)
            .skipBadRows(shape.skipBadRows);
        if (initial != null)
        {
            options.maxPacketSize(initial.metadata().maxPacketSize());
        }
        for (final String item : data)
        {
            final java.util.Map.Entry<String, Path> entry = DatasetCommand.labelled(item, false);
            if (entry == null)
            {
                throw OptionChecks.fail(spec, "Invalid value for option '--data': expected LABEL=FILE but was '" +
                    item + "'");
            }
            options.addFile(entry.getKey(), entry.getValue());
        }
        return options;
    }

    private static Integer report(
        final TrainingResult result, final io.flowpic.inference.train.CrossValidationReport crossValidation,
        final PrintWriter err, final PrintWriter out)
    {
        final Evaluation validation = result.validation();
        // Said on stderr like evaluate's count: a model trained on part of its data should not look complete.
        long skipped = 0;
        for (final java.util.Map.Entry<Path, Long> entry : result.skippedRows().entrySet())
        {
            err.println("flowpic: skipped " + entry.getValue() + " malformed rows of " + entry.getKey());
            skipped += entry.getValue();
        }
        if (skipped > 0)
        {
            err.println("flowpic: skipped " + skipped + " malformed rows in all");
        }
        err.flush();
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
        if (crossValidation != null)
        {
            out.println("leave-one-source-out (" + result.outputDir().resolve("cross-validation.json") + "):");
            out.print(crossValidation.table());
        }
        out.flush();
        return ExitCodes.OK;
    }
}
