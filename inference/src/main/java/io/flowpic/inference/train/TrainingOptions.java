package io.flowpic.inference.train;

import io.flowpic.inference.ModelMetadata;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.dataset.LabeledSessions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Everything a training run needs; fluent setters, sensible defaults (mini, R=32, T=15 s, ≥10 packets). */
public final class TrainingOptions
{
    /** What a validation group is: one capture, or one source (pcap name up to the first '/'). */
    public enum SplitBy
    {
        PCAP, SOURCE
    }

    /** What early stopping watches on the validation blocks. */
    public enum Monitor
    {
        /** Class-weighted cross-entropy, lower is better (the default). */
        LOSS,
        /** Macro-F1, higher is better; ties go to the lower loss. */
        MACRO_F1,
        /**
         * Nothing: every epoch runs and the last one is kept; validation is only measured. Used when the validation
         * blocks are a test set (a held-out source) that must not choose the model.
         */
        NONE
    }

    private final Map<String, List<Path>> dataFiles = new LinkedHashMap<>();
    private Path outputDir;
    private String modelName = "flowpic";
    private Architecture architecture = Architecture.MINI;
    private int resolution = FlowPicSpec.DEFAULT_RESOLUTION;
    private int blockSeconds = FlowPicSpec.DEFAULT_BLOCK_SECONDS;
    private int maxPacketSize = FlowPicSpec.DEFAULT_MAX_PACKET_SIZE;
    private int minPackets = FlowPicSpec.DEFAULT_MIN_PACKETS;
    private long idleTimeoutSeconds = 60;
    private int epochs = 30;
    private int batchSize = 64;
    private int patience = 5;
    private Monitor monitor = Monitor.LOSS;
    private float learningRate = 1e-3f;
    private long seed = 42;
    private double validationFraction = 0.2;
    private SplitBy splitBy = SplitBy.PCAP;
    private final Set<String> validationSources = new LinkedHashSet<>();
    private int augmentCopies = 0;
    private Features features = Features.IMAGE;
    private double minTimeScale = 0.5;
    private double maxTimeScale = 1.5;
    private boolean timeShift = true;
    private double maxLossRate = 0.0;
    private int sizeJitter = 0;
    private boolean classWeighting = true;
    private boolean sourceBalancing = false;
    private boolean skipBadRows = false;
    private int maxSessionsPerLabel = 0;
    private double maxTrainingSeconds = 0;
    private int threads = 2;
    private PrintStream progress = System.err;
    private LabeledSessions preloaded;
    private InitialWeights initFrom;
    private float[] calibrationScores;
    private int[] calibrationLabels;

    /** Adds a file labelled by its name up to the first '.', e.g. {@code voip.csv.gz} → voip. */
    public TrainingOptions addFile(final Path file)
    {
        return addFile(LabeledSessions.labelOf(file), file);
    }

    public TrainingOptions addFile(final String label, final Path file)
    {
        dataFiles.computeIfAbsent(label, k -> new ArrayList<>()).add(file);
        return this;
    }

    public Map<String, List<Path>> dataFiles()
    {
        return dataFiles;
    }

    public FlowPicSpec spec()
    {
        return new FlowPicSpec(resolution, blockSeconds, maxPacketSize, minPackets);
    }

    public TrainingOptions spec(final FlowPicSpec spec)
    {
        resolution = spec.resolution();
        blockSeconds = spec.blockSeconds();
        maxPacketSize = spec.maxPacketSize();
        minPackets = spec.minPackets();
        return this;
    }

    public Path outputDir() { return outputDir; }
    public TrainingOptions outputDir(final Path v) { outputDir = v; return this; }
    public String modelName() { return modelName; }
    public TrainingOptions modelName(final String v) { modelName = v; return this; }
    public Architecture architecture() { return architecture; }
    public TrainingOptions architecture(final Architecture v) { architecture = v; return this; }
    public int resolution() { return resolution; }
    public TrainingOptions resolution(final int v) { resolution = v; return this; }
    public int blockSeconds() { return blockSeconds; }
    public TrainingOptions blockSeconds(final int v) { blockSeconds = v; return this; }
    public int maxPacketSize() { return maxPacketSize; }
    public TrainingOptions maxPacketSize(final int v) { maxPacketSize = v; return this; }
    public int minPackets() { return minPackets; }
    public TrainingOptions minPackets(final int v) { minPackets = v; return this; }
    public long idleTimeoutSeconds() { return idleTimeoutSeconds; }
    public TrainingOptions idleTimeoutSeconds(final long v) { idleTimeoutSeconds = v; return this; }
    public int epochs() { return epochs; }
    public TrainingOptions epochs(final int v) { epochs = v; return this; }
    public int batchSize() { return batchSize; }
    public TrainingOptions batchSize(final int v) { batchSize = v; return this; }
    /** Epochs without a better validation loss before stopping. */
    public int patience() { return patience; }
    public TrainingOptions patience(final int v) { patience = v; return this; }
    public Monitor monitor() { return monitor; }
    public TrainingOptions monitor(final Monitor v) { monitor = v; return this; }
    public float learningRate() { return learningRate; }
    public TrainingOptions learningRate(final float v) { learningRate = v; return this; }
    public long seed() { return seed; }
    public TrainingOptions seed(final long v) { seed = v; return this; }
    /** Target share of each class's blocks held out (grouped); 0 trains on everything for all epochs. */
    public double validationFraction() { return validationFraction; }
    public TrainingOptions validationFraction(final double v) { validationFraction = v; return this; }
    public SplitBy splitBy() { return splitBy; }
    public TrainingOptions splitBy(final SplitBy v) { splitBy = v; return this; }
    /** Sources held out for validation explicitly; when non-empty it replaces the automatic split. */
    /** Augmented copies lose packets at a rate drawn from U[0, maxLossRate] per copy (0 = no loss). */
    public double maxLossRate() { return maxLossRate; }
    public TrainingOptions maxLossRate(final double v) { maxLossRate = v; return this; }
    /** Augmented copies move every packet size by up to this many bytes either way (0 = sizes kept). */
    public int sizeJitter() { return sizeJitter; }
    public TrainingOptions sizeJitter(final int v) { sizeJitter = v; return this; }
    public Set<String> validationSources() { return validationSources; }
    public TrainingOptions validationSources(final Set<String> v) { validationSources.clear(); validationSources.addAll(v); return this; }
    /** What the dense layers see: CNN features, in-graph block statistics, or both. */
    public Features features() { return features; }
    public TrainingOptions features(final Features v) { features = java.util.Objects.requireNonNull(v); return this; }
    /** Time-augmented copies of each training session (scale α ~ U[min,max], grid shift ~ U[0,T)). */
    public int augmentCopies() { return augmentCopies; }
    public TrainingOptions augmentCopies(final int v) { augmentCopies = v; return this; }
    public double minTimeScale() { return minTimeScale; }
    public TrainingOptions minTimeScale(final double v) { minTimeScale = v; return this; }
    public double maxTimeScale() { return maxTimeScale; }
    public TrainingOptions maxTimeScale(final double v) { maxTimeScale = v; return this; }
    public boolean timeShift() { return timeShift; }
    public TrainingOptions timeShift(final boolean v) { timeShift = v; return this; }
    /** Within each class, every source gets the same total loss weight (blocks of large sources weigh less). */
    public boolean sourceBalancing() { return sourceBalancing; }
    public TrainingOptions sourceBalancing(final boolean v) { sourceBalancing = v; return this; }
    public boolean classWeighting() { return classWeighting; }
    public TrainingOptions classWeighting(final boolean v) { classWeighting = v; return this; }
    public boolean skipBadRows() { return skipBadRows; }
    public TrainingOptions skipBadRows(final boolean v) { skipBadRows = v; return this; }
    /** 0 = all; otherwise a seeded random subset of sessions per label. */
    public int maxSessionsPerLabel() { return maxSessionsPerLabel; }
    public TrainingOptions maxSessionsPerLabel(final int v) { maxSessionsPerLabel = v; return this; }
    /** 0 = unlimited; otherwise training stops after the epoch that crosses this budget. */
    public double maxTrainingSeconds() { return maxTrainingSeconds; }
    public TrainingOptions maxTrainingSeconds(final double v) { maxTrainingSeconds = v; return this; }
    public int threads() { return threads; }
    public TrainingOptions threads(final int v) { threads = v; return this; }
    /** Where the per-epoch progress line goes; null for silence. */
    /** Sessions already read from {@link #dataFiles()}, so that repeated runs (cross-validation) read them once. */
    public LabeledSessions preloaded() { return preloaded; }
    public TrainingOptions preloaded(final LabeledSessions v) { preloaded = v; return this; }
    /**
     * Fit the calibration temperature on these scores (raw, {@code labels} per block) and true labels, e.g. the
     * held-out blocks of a leave-one-source-out run, instead of on the validation blocks.
     */
    public TrainingOptions calibrateOn(final float[] scores, final int[] trueLabels)
    {
        if (scores.length != (long)trueLabels.length * dataFiles.size())
        {
            throw new IllegalArgumentException("calibration scores: " + scores.length + " values for " +
                trueLabels.length + " blocks of " + dataFiles.size() + " labels");
        }
        calibrationScores = scores;
        calibrationLabels = trueLabels;
        return this;
    }
    public float[] calibrationScores() { return calibrationScores; }
    public int[] calibrationLabels() { return calibrationLabels; }
    public PrintStream progress() { return progress; }
    public TrainingOptions progress(final PrintStream v) { progress = v; return this; }

    /** The model to fine-tune (its weights start the training), or null to start from seeded random weights. */
    public InitialWeights initFrom() { return initFrom; }
    public TrainingOptions initFrom(final InitialWeights v) { initFrom = v; return this; }

    void validate()
    {
        if (dataFiles.size() < 2)
        {
            throw new IllegalArgumentException("need data files for at least two labels, got " + dataFiles.keySet());
        }
        if (outputDir == null)
        {
            throw new IllegalArgumentException("output dir not set");
        }
        spec();
        // Fail before training, not after: the sensor loads only models of these shapes.
        if (!ModelMetadata.RESOLUTIONS.contains(resolution))
        {
            throw new IllegalArgumentException("resolution must be one of " + new java.util.TreeSet<>(ModelMetadata.RESOLUTIONS) +
                " (what the sensor loads): " + resolution);
        }
        if (!ModelMetadata.BLOCK_SECONDS.contains(blockSeconds))
        {
            throw new IllegalArgumentException("block seconds must be one of " +
                new java.util.TreeSet<>(ModelMetadata.BLOCK_SECONDS) + " (what the sensor loads): " + blockSeconds);
        }
        if (epochs < 1 || batchSize < 1 || patience < 1 || !(learningRate > 0) || threads < 1)
        {
            throw new IllegalArgumentException("epochs, batch size, patience, threads must be >= 1 and learning rate > 0");
        }
        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new IllegalArgumentException("validation fraction must be in [0,1): " + validationFraction);
        }
        if (augmentCopies < 0 || !(minTimeScale > 0) || maxTimeScale < minTimeScale)
        {
            throw new IllegalArgumentException("bad augmentation settings");
        }
        if (!(maxLossRate >= 0 && maxLossRate < 1) || sizeJitter < 0)
        {
            throw new IllegalArgumentException("augmentation loss rate must be in [0, 1) and size jitter >= 0: " +
                maxLossRate + ", " + sizeJitter);
        }
        if (idleTimeoutSeconds < 1)
        {
            throw new IllegalArgumentException("idle timeout must be >= 1 s");
        }
        if (initFrom != null)
        {
            validateInitFrom();
        }
    }

    /** Fine-tuning keeps the model's shape, labels and net: anything else would not fit its weights. */
    private void validateInitFrom()
    {
        final ModelMetadata md = initFrom.metadata();
        final String model = "--init-from " + initFrom.modelDir() + " (model " + md.modelId() + ")";
        final Set<String> dataLabels = new java.util.TreeSet<>(dataFiles.keySet());
        final Set<String> modelLabels = new java.util.TreeSet<>(md.labels());
        if (!dataLabels.equals(modelLabels))
        {
            final Set<String> extra = new java.util.TreeSet<>(dataLabels);
            extra.removeAll(modelLabels);
            final Set<String> missing = new java.util.TreeSet<>(modelLabels);
            missing.removeAll(dataLabels);
            throw new IllegalArgumentException(model + " has labels " + md.labels() + "; the data labels must be the " +
                "same" + (extra.isEmpty() ? "" : ", not also " + extra) + (missing.isEmpty() ? "" : ", with data for " +
                missing + " too"));
        }
        mismatch(model, "resolution", md.resolution(), resolution);
        mismatch(model, "block seconds", md.blockSeconds(), blockSeconds);
        mismatch(model, "max packet size", md.maxPacketSize(), maxPacketSize);
        mismatch(model, "architecture", initFrom.architecture().id(), architecture.id());
        mismatch(model, "features", initFrom.features().id(), features.id());
    }

    private static void mismatch(final String model, final String what, final Object ofModel, final Object requested)
    {
        if (!ofModel.equals(requested))
        {
            throw new IllegalArgumentException(model + " has " + what + " " + ofModel + " but " + requested +
                " was requested");
        }
    }

    public Map<String, Object> describe()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", architecture.id());
        m.put("features", features.id());
        m.put("resolution", resolution);
        m.put("blockSeconds", blockSeconds);
        m.put("maxPacketSize", maxPacketSize);
        m.put("minPackets", minPackets);
        m.put("idleTimeoutSeconds", idleTimeoutSeconds);
        m.put("epochs", epochs);
        m.put("batchSize", batchSize);
        m.put("patience", patience);
        m.put("earlyStoppingMonitor", monitor.name().toLowerCase());
        m.put("learningRate", learningRate);
        m.put("optimizer", "adam");
        m.put("seed", seed);
        m.put("validationFraction", validationFraction);
        m.put("splitBy", splitBy.name().toLowerCase());
        m.put("validationSources", new ArrayList<>(validationSources));
        m.put("augmentCopies", augmentCopies);
        m.put("augmentMaxLossRate", maxLossRate);
        m.put("augmentSizeJitter", sizeJitter);
        m.put("minTimeScale", minTimeScale);
        m.put("maxTimeScale", maxTimeScale);
        m.put("timeShift", timeShift);
        m.put("classWeighting", classWeighting);
        m.put("sourceBalancing", sourceBalancing);
        m.put("skipBadRows", skipBadRows);
        m.put("maxSessionsPerLabel", maxSessionsPerLabel);
        m.put("maxTrainingSeconds", maxTrainingSeconds);
        m.put("threads", threads);
        m.put("normalization", Normalization.LOG1P);
        if (initFrom != null)
        {
            m.put("initFrom", initFrom.modelDir().toString());
            m.put("initFromModelId", initFrom.metadata().modelId());
        }
        return m;
    }
}
