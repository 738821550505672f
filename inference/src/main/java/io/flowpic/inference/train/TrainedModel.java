package io.flowpic.inference.train;

import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A trained FlowPic network held in memory as a serving-only graph (no dropout, no optimizer state):
 * scores already-normalised images and exports itself as a SavedModel with one signature,
 * input {@value #INPUT_NAME} [-1,R,R,1] float, output {@value #OUTPUT_NAME} softmax [-1,C].
 */
public final class TrainedModel implements AutoCloseable
{
    public static final String SIGNATURE_KEY = Signature.DEFAULT_KEY;
    public static final String INPUT_NAME = "flowpic";
    public static final String OUTPUT_NAME = "scores";
    public static final String SERVE_TAG = "serve";

    private final Graph graph;
    private final Session session;
    private final FlowPicNet net;
    private final List<String> labels;

    TrainedModel(final Architecture arch, final int resolution, final List<String> labels, final float[][] weights)
    {
        this(arch, Features.IMAGE, resolution, labels, weights);
    }

    TrainedModel(
        final Architecture arch, final Features features, final int resolution, final List<String> labels,
        final float[][] weights)
    {
        this.labels = List.copyOf(labels);
        graph = new Graph();
        try
        {
            net = FlowPicNet.build(graph, arch, features, resolution, labels.size(), false, 0L, INPUT_NAME, OUTPUT_NAME);
            session = NetSession.open(graph, 2);
            NetSession.assign(session, net, weights);
        }
        catch (final RuntimeException e)
        {
            graph.close();
            throw e;
        }
    }

    public List<String> labels()
    {
        return labels;
    }

    public int resolution()
    {
        return net.resolution;
    }

    /**
     * @param images {@code n} normalised (log1p) images of R*R floats each, row-major.
     * @param flows  {@code n} flow descriptors ({@code FlowDescriptors.WIDTH} each); ignored by models without
     *               the second input
     * @return n*C softmax scores, row-major, classes in {@link #labels()} order.
     */
    public float[] scores(final float[] images, final float[] flows, final int n)
    {
        return NetSession.scores(session, net, images, flows, n);
    }

    /** As {@link #scores(float[], float[], int)} for a model without the second input. */
    public float[] scores(final float[] images, final int n)
    {
        if (net.flowInput != null)
        {
            throw new IllegalStateException("this model needs flow descriptors: use scores(images, flows, n)");
        }
        return NetSession.scores(session, net, images, null, n);
    }

    /** Name of the second input in the exported signature, or null when the model has none. */
    public String flowInputName()
    {
        return net.flowInput == null ? null : FlowPicNet.FLOW_INPUT_NAME;
    }

    /** Writes a SavedModel (tag "serve", signature "serving_default") into {@code dir}. */
    public void exportSavedModel(final Path dir) throws IOException
    {
        final Signature.Builder builder = Signature.builder()
            .key(SIGNATURE_KEY)
            .input(INPUT_NAME, net.input)
            .output(OUTPUT_NAME, net.scores);
        if (net.flowInput != null)
        {
            builder.input(FlowPicNet.FLOW_INPUT_NAME, net.flowInput);
        }
        final Signature signature = builder.build();
        SavedModelBundle.exporter(dir.toString())
            .withTags(SERVE_TAG)
            .withFunction(SessionFunction.create(signature, session))
            .export();
    }

    public void close()
    {
        session.close();
        graph.close();
    }
}
