package io.flowpic.inference.train;

import io.flowpic.inference.ModelMetadata;
import org.tensorflow.Graph;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Benchmark-only: exports an untrained FlowPic network of a given architecture as a SavedModel plus
 * flowpic-model.json, exactly as {@link Trainer} does after training (same {@link FlowPicNet} serving graph, same
 * {@link TrainedModel#exportSavedModel} path), with the Glorot-uniform initial weights in place of trained ones.
 * Inference cost does not depend on the weight values. Lives in this package because the net builder is
 * package-private; the bench module is on the class path only, so the split package is harmless.
 */
public final class BenchModels
{
    public static final List<String> LABELS = List.of("voip", "video", "chat", "browsing", "file_transfer");

    private BenchModels()
    {
    }

    public static void writeUntrained(final Path dir, final Architecture arch, final int resolution, final long seed)
        throws IOException
    {
        final float[][] weights;
        try (Graph graph = new Graph())
        {
            final FlowPicNet net = FlowPicNet.build(graph, arch, resolution, LABELS.size(), false, seed,
                TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME);
            weights = net.initialValues(seed);
        }
        try (TrainedModel model = new TrainedModel(arch, resolution, LABELS, weights))
        {
            model.exportSavedModel(dir);
        }
        new ModelMetadata(ModelMetadata.FORMAT_VERSION, "bench-untrained-" + arch.id() + "-r" + resolution, LABELS,
            resolution, 15, 1500, "log1p", TrainedModel.SIGNATURE_KEY, TrainedModel.INPUT_NAME,
            TrainedModel.OUTPUT_NAME).write(dir);
    }
}
