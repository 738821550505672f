package io.flowpic.inference.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Outcome of {@link Trainer#train(TrainingOptions)}; the model itself is in {@link #outputDir()}. */
public final class TrainingResult
{
    private final Path outputDir;
    private final String modelId;
    private final List<String> labels;
    private final Architecture architecture;
    private final Features features;
    private final int resolution;
    private final int epochsRun;
    private final int bestEpoch;
    private final String stoppedBy;
    private final Evaluation validation;
    private final Map<String, Integer> trainBlocksPerClass;
    private final Map<String, Integer> validationBlocksPerClass;
    private final List<String> validationGroups;
    private final float[][] weights;
    private Map<Path, Long> skippedRows = Map.of();
    private float[] validationScores = new float[0];
    private int[] validationLabels = new int[0];

    TrainingResult(
        final Path outputDir, final String modelId, final List<String> labels, final Architecture architecture,
        final Features features, final int resolution, final int epochsRun, final int bestEpoch, final String stoppedBy, final Evaluation validation,
        final Map<String, Integer> trainBlocksPerClass, final Map<String, Integer> validationBlocksPerClass,
        final List<String> validationGroups, final float[][] weights)
    {
        this.outputDir = outputDir;
        this.modelId = modelId;
        this.labels = List.copyOf(labels);
        this.architecture = architecture;
        this.features = features;
        this.resolution = resolution;
        this.epochsRun = epochsRun;
        this.bestEpoch = bestEpoch;
        this.stoppedBy = stoppedBy;
        this.validation = validation;
        this.trainBlocksPerClass = Map.copyOf(trainBlocksPerClass);
        this.validationBlocksPerClass = Map.copyOf(validationBlocksPerClass);
        this.validationGroups = List.copyOf(validationGroups);
        this.weights = weights;
    }

    TrainingResult skippedRows(final Map<Path, Long> skipped)
    {
        this.skippedRows = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(skipped));
        return this;
    }

    TrainingResult validationScores(final float[] scores, final int[] trueLabels)
    {
        this.validationScores = scores;
        this.validationLabels = trueLabels;
        return this;
    }

    /** The exported model's scores of every validation block, {@code labels().size()} per block, in block order. */
    public float[] validationScores() { return validationScores.clone(); }

    /** The true label index of every validation block, in the order of {@link #validationScores()}. */
    public int[] validationLabels() { return validationLabels.clone(); }

    /** Malformed CSV rows skipped per file (--skip-bad-rows); files with none are left out. */
    public Map<Path, Long> skippedRows() { return skippedRows; }

    /** Holds the SavedModel, flowpic-model.json and training-report.json. */
    public Path outputDir() { return outputDir; }
    public String modelId() { return modelId; }
    public List<String> labels() { return labels; }
    public Architecture architecture() { return architecture; }
    public Features features() { return features; }
    public int resolution() { return resolution; }
    public int epochsRun() { return epochsRun; }
    /** 1-based epoch whose weights were exported (best validation loss). */
    public int bestEpoch() { return bestEpoch; }
    /** "early-stopping", "max-epochs" or "time-budget". */
    public String stoppedBy() { return stoppedBy; }
    /** Figures of the exported weights on the validation blocks (empty when there was no validation split). */
    public Evaluation validation() { return validation; }
    public Map<String, Integer> trainBlocksPerClass() { return trainBlocksPerClass; }
    public Map<String, Integer> validationBlocksPerClass() { return validationBlocksPerClass; }
    /** Captures (or sources) held out for validation. */
    public List<String> validationGroups() { return validationGroups; }

    /** The exported weights, per parameter, in graph build order. */
    float[][] weights() { return weights; }

    /** A fresh in-memory copy of the exported network, for scoring without reloading; close it after use. */
    public TrainedModel openModel()
    {
        return new TrainedModel(architecture, features, resolution, labels, weights);
    }
}
