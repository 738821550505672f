package io.flowpic.inference.train;

import io.flowpic.inference.ModelMetadata;
import org.tensorflow.Graph;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Test helper: exports a FlowPic network exactly the trainer's way ({@link FlowPicNet} serving graph,
 * {@link TrainedModel#exportSavedModel}) with seeded Glorot weights and, unlike the trainer's initial values,
 * biases drawn uniformly from [-biasScale, biasScale] so that relu(bias) of cells far from any packet is
 * non-zero for some filters and zero for others.
 */
public final class TrainerWayModels
{
    public static final List<String> LABELS = List.of("voip", "video", "chat", "browsing", "file_transfer");

    private TrainerWayModels()
    {
    }

    public static void write(final Path dir, final Architecture arch, final int resolution, final long seed,
                             final float biasScale, final String normalization) throws IOException
    {
        write(dir, arch, "image", resolution, seed, biasScale, normalization);
    }

    /** As {@link #write(Path, Architecture, int, long, float, String)} with a feature set (e.g. image+stats+transport). */
    public static void write(final Path dir, final Architecture arch, final String featureSet, final int resolution,
                             final long seed, final float biasScale, final String normalization) throws IOException
    {
        final Features features = Features.parse(featureSet);
        final float[][] weights;
        final List<FlowPicNet.Param> params;
        try (Graph graph = new Graph())
        {
            final FlowPicNet net = FlowPicNet.build(graph, arch, features, resolution, LABELS.size(), false, seed,
                TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME);
            weights = net.initialValues(seed);
            params = net.params;
        }
        final Random random = new Random(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < params.size(); i++)
        {
            if (params.get(i).bias)
            {
                for (int j = 0; j < weights[i].length; j++)
                {
                    weights[i][j] = (float)((random.nextDouble() * 2 - 1) * biasScale);
                }
            }
        }
        try (TrainedModel model = new TrainedModel(arch, features, resolution, LABELS, weights))
        {
            model.exportSavedModel(dir);
        }
        new ModelMetadata(ModelMetadata.FORMAT_VERSION, "test-" + arch.id() + "-r" + resolution, LABELS,
            resolution, 15, 1500, normalization, TrainedModel.SIGNATURE_KEY, TrainedModel.INPUT_NAME,
            TrainedModel.OUTPUT_NAME, features.transport() ? FlowPicNet.FLOW_INPUT_NAME : null).write(dir);
    }
}
