package io.flowpic.inference.train;

import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;

/** Session helpers shared by training and the serving model: weight copy-in/out and batched scoring. */
final class NetSession
{
    private NetSession()
    {
    }

    static Session open(final Graph graph, final int threads)
    {
        final ConfigProto config = ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(Math.max(1, threads))
            .setInterOpParallelismThreads(1)
            .setUsePerSessionThreads(true)
            .build();
        return new Session(graph, config);
    }

    static void assign(final Session session, final FlowPicNet net, final float[][] values)
    {
        final List<TFloat32> tensors = new ArrayList<>();
        try
        {
            final Session.Runner runner = session.runner();
            for (int i = 0; i < net.params.size(); i++)
            {
                final FlowPicNet.Param p = net.params.get(i);
                if (values[i].length != p.size())
                {
                    throw new IllegalArgumentException("parameter " + p.name + " needs " + p.size() + " values, got " +
                        values[i].length);
                }
                final TFloat32 t = TFloat32.tensorOf(Shape.of(p.shape), DataBuffers.of(values[i], true, false));
                tensors.add(t);
                runner.feed(p.value, t).addTarget(p.assign);
            }
            runner.run().close();
        }
        finally
        {
            tensors.forEach(Tensor::close);
        }
    }

    static float[][] read(final Session session, final FlowPicNet net)
    {
        return read(session, net, false);
    }

    /**
     * The net's weights; {@code byName} fetches each by its graph name instead of its operand, from a session over
     * another graph that has the same names (a loaded SavedModel).
     */
    static float[][] read(final Session session, final FlowPicNet net, final boolean byName)
    {
        final Session.Runner runner = session.runner();
        for (final FlowPicNet.Param p : net.params)
        {
            if (byName)
            {
                runner.fetch(p.name);
            }
            else
            {
                runner.fetch(p.variable);
            }
        }
        final float[][] values = new float[net.params.size()][];
        try (Result result = runner.run())
        {
            for (int i = 0; i < values.length; i++)
            {
                values[i] = new float[net.params.get(i).size()];
                ((TFloat32)result.get(i)).copyTo(DataBuffers.of(values[i], false, false));
            }
        }
        return values;
    }

    /**
     * Softmax scores of {@code n} normalised images laid out R*R each, with their flow descriptors
     * ({@code FlowDescriptors.WIDTH} each, ignored unless the net has the second input); returns n*C row-major.
     */
    static float[] scores(final Session session, final FlowPicNet net, final float[] images, final float[] flows, final int n)
    {
        final int r = net.resolution;
        final float[] out = new float[n * net.classes];
        try (TFloat32 in = TFloat32.tensorOf(Shape.of(n, r, r, 1), DataBuffers.of(images, true, false).narrow((long)n * r * r));
             TFloat32 flow = flowTensor(net, flows, n))
        {
            final Session.Runner runner = session.runner().feed(net.input, in);
            if (flow != null)
            {
                runner.feed(net.flowInput, flow);
            }
            try (Result result = runner.fetch(net.scores).run())
            {
                ((TFloat32)result.get(0)).copyTo(DataBuffers.of(out, false, false));
            }
        }
        return out;
    }

    /** The second input's tensor for {@code n} blocks, or null when the net has none. */
    static TFloat32 flowTensor(final FlowPicNet net, final float[] flows, final int n)
    {
        if (net.flowInput == null)
        {
            return null;
        }
        final int width = io.flowpic.inference.FlowDescriptors.WIDTH;
        return TFloat32.tensorOf(Shape.of(n, width), DataBuffers.of(flows, true, false).narrow((long)n * width));
    }
}
