package io.flowpic.inference.train;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.inference.ModelMetadata;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trained weights of an existing FlowPic model, to fine-tune it ({@code flowpic train --init-from}). The
 * SavedModels this trainer exports keep every parameter as a variable named as in {@link FlowPicNet}
 * ({@code conv1_w}, ..., {@code out_b}); the architecture and features, which {@code flowpic-model.json} does not
 * record, are the ones whose net has exactly those variables with exactly those shapes.
 *
 * @param metadata     the model's metadata: labels (output order), R, T, maximum packet size
 * @param architecture the architecture its graph was built with
 * @param features     the features its graph was built with
 * @param weights      one array per {@link FlowPicNet#params} entry, in that order
 */
public record InitialWeights(Path modelDir, ModelMetadata metadata, Architecture architecture, Features features,
                             float[][] weights)
{
    /** Names a candidate net might have that decide which candidate it is. */
    private static final List<String> SIGNIFICANT = List.of("conv1_w", "conv2_w", "fc1_w", "fc2_w", "out_w");

    /** @throws ModelException naming the directory when it is not a SavedModel of a net this trainer builds */
    public static InitialWeights load(final Path modelDir) throws ModelException
    {
        if (!Files.isRegularFile(modelDir.resolve("saved_model.pb")))
        {
            throw new ModelException(modelDir + ": no saved_model.pb (not a SavedModel directory)");
        }
        final ModelMetadata metadata = ModelMetadata.read(modelDir);
        final SavedModelBundle bundle;
        try
        {
            bundle = SavedModelBundle.load(modelDir.toString(), FlowPicClassifier.TAG);
        }
        catch (final RuntimeException e)
        {
            throw new ModelException(modelDir + ": cannot load SavedModel with tag '" + FlowPicClassifier.TAG + "': " +
                e.getMessage(), e);
        }
        try (bundle)
        {
            final Graph graph = bundle.graph();
            final boolean transport = metadata.flowInputName() != null;
            for (final Architecture arch : Architecture.values())
            {
                for (final Features features : List.of(Features.of(true, false, transport),
                    Features.of(true, true, transport), Features.of(false, true, transport)))
                {
                    try (Graph scratch = new Graph())
                    {
                        final FlowPicNet net;
                        try
                        {
                            net = FlowPicNet.build(scratch, arch, features, metadata.resolution(), metadata.numClasses(),
                                false, 0L, TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME);
                        }
                        catch (final IllegalArgumentException e)
                        {
                            continue; // resolution too small for this architecture
                        }
                        if (matches(graph, net))
                        {
                            return new InitialWeights(modelDir, metadata, arch, features, NetSession.read(bundle.session(), net, true));
                        }
                    }
                }
            }
            throw new ModelException(modelDir + ": its graph is not a FlowPic net 'flowpic train' builds (no " +
                "architecture and features give exactly its variables " + variables(graph) + " for R = " +
                metadata.resolution() + " and " + metadata.numClasses() + " labels): it cannot be fine-tuned");
        }
    }

    private static boolean matches(final Graph graph, final FlowPicNet net)
    {
        final List<String> names = new ArrayList<>();
        for (final FlowPicNet.Param p : net.params)
        {
            names.add(p.name);
            final GraphOperation op = graph.operation(p.name);
            if (op == null || op.numOutputs() < 1 || !Arrays.equals(op.output(0).shape().asArray(), p.shape))
            {
                return false;
            }
        }
        for (final String name : SIGNIFICANT)
        {
            if (!names.contains(name) && graph.operation(name) != null)
            {
                return false;
            }
        }
        return true;
    }

    private static List<String> variables(final Graph graph)
    {
        final List<String> names = new ArrayList<>();
        graph.operations().forEachRemaining(op ->
        {
            if (op.type().startsWith("Variable"))
            {
                names.add(op.name());
            }
        });
        return names;
    }
}
