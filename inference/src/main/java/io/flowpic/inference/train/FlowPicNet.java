package io.flowpic.inference.train;

import io.flowpic.inference.FlowDescriptors;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Builds a FlowPic CNN into a graph. Every trainable parameter is a plain variable with a placeholder and
 * an assign op next to it, so initial values come from Java's seeded RNG (deterministic for a seed) and
 * the best weights can be copied out to Java arrays and assigned back, or into a fresh serving graph
 * with no dropout and no optimizer state.
 */
final class FlowPicNet
{
    /** Name of the second input (flow descriptors) in graphs and signatures. */
    static final String FLOW_INPUT_NAME = "flow";

    /** One trainable parameter. */
    static final class Param
    {
        final String name;
        final long[] shape;
        final int fanIn;
        final int fanOut;
        final boolean bias;
        Variable<TFloat32> variable;
        Placeholder<TFloat32> value;
        Op assign;

        Param(final String name, final long[] shape, final int fanIn, final int fanOut, final boolean bias)
        {
            this.name = name;
            this.shape = shape;
            this.fanIn = fanIn;
            this.fanOut = fanOut;
            this.bias = bias;
        }

        int size()
        {
            long n = 1;
            for (final long d : shape)
            {
                n *= d;
            }
            return Math.toIntExact(n);
        }
    }

    final Architecture arch;
    final Features features;
    final int resolution;
    final int classes;
    final List<Param> params = new ArrayList<>();
    private final java.util.Map<String, Param> byName = new java.util.HashMap<>();
    /** Training branch (FULL: with dropout) sharing the variables; equals the serving branch for MINI. */
    Placeholder<TFloat32> trainInput;
    Operand<TFloat32> trainLogits;
    /** Input [-1, R, R, 1], already normalised. */
    Placeholder<TFloat32> input;
    /** Second input [-1, FlowDescriptors.WIDTH], shared by both branches; null unless features.transport(). */
    Placeholder<TFloat32> flowInput;
    Operand<TFloat32> logits;
    Operand<TFloat32> scores;

    private FlowPicNet(final Architecture arch, final Features features, final int resolution, final int classes)
    {
        this.arch = arch;
        this.features = features;
        this.resolution = resolution;
        this.classes = classes;
    }

    /**
     * Builds the serving branch (input {@code inputName}, softmax output {@code outputName}, no dropout) and,
     * when {@code training}, a training branch on the same variables whose dropout layers (FULL only) use
     * seeded random masks.
     */
    static FlowPicNet build(
        final Graph graph, final Architecture arch, final int resolution, final int classes, final boolean training,
        final long seed, final String inputName, final String outputName)
    {
        return build(graph, arch, Features.IMAGE, resolution, classes, training, seed, inputName, outputName);
    }

    static FlowPicNet build(
        final Graph graph, final Architecture arch, final Features features, final int resolution, final int classes,
        final boolean training, final long seed, final String inputName, final String outputName)
    {
        final FlowPicNet net = new FlowPicNet(arch, features, resolution, classes);
        final Ops tf = Ops.create(graph);
        net.input = tf.withName(inputName).placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, resolution, resolution, 1)));
        if (features.transport())
        {
            net.flowInput = tf.withName(FLOW_INPUT_NAME).placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, FlowDescriptors.WIDTH)));
        }
        net.logits = net.branch(tf, net.input, false, seed);
        net.scores = tf.withName(outputName).nn.softmax(net.logits);
        if (training)
        {
            if (arch == Architecture.FULL)
            {
                final Ops t = tf.withSubScope("train");
                net.trainInput = t.withName("input").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, resolution, resolution, 1)));
                net.trainLogits = net.branch(t, net.trainInput, true, seed);
            }
            else
            {
                net.trainInput = net.input;
                net.trainLogits = net.logits;
            }
        }
        return net;
    }

    private Operand<TFloat32> branch(final Ops tf, final Operand<TFloat32> in, final boolean training, final long seed)
    {
        final Operand<TFloat32> denseIn = denseInput(tf, in, features.image() ? convolutions(tf, in, training, seed) : null);
        final int width = (features.image() ? cnnWidth() : 0) + extraWidth();
        return switch (arch)
        {
            case MINI ->
            {
                Operand<TFloat32> x = tf.nn.relu(dense(tf, "fc1", denseIn, width, 120));
                x = tf.nn.relu(dense(tf, "fc2", x, 120, 84));
                yield dense(tf, "out", x, 84, classes);
            }
            case FULL ->
            {
                Operand<TFloat32> x = tf.nn.relu(dense(tf, "fc1", denseIn, width, 64));
                if (training)
                {
                    x = dropout(tf, x, 0.5f, seed, 2);
                }
                yield dense(tf, "out", x, 64, classes);
            }
        };
    }

    /** The convolutional layers, flattened to {@link #cnnWidth()} features per image. */
    private Operand<TFloat32> convolutions(final Ops tf, final Operand<TFloat32> in, final boolean training, final long seed)
    {
        final int flat = cnnWidth();
        Operand<TFloat32> x = in;
        switch (arch)
        {
            case MINI ->
            {
                x = conv(tf, "conv1", x, 5, 1, 6, 1, "SAME");
                x = maxPool2(tf, x);
                x = conv(tf, "conv2", x, 5, 6, 16, 1, "VALID");
                x = maxPool2(tf, x);
            }
            case FULL ->
            {
                x = conv(tf, "conv1", x, 10, 1, 10, 5, "SAME");
                x = maxPool2(tf, x);
                x = conv(tf, "conv2", x, 10, 10, 20, 5, "SAME");
                if (training)
                {
                    x = dropout(tf, x, 0.25f, seed, 1);
                }
                x = maxPool2(tf, x);
            }
        }
        return tf.reshape(x, tf.array(-1, flat));
    }

    /** Features per image after the convolutions and pools; refuses a resolution too small for them. */
    private int cnnWidth()
    {
        final int r = resolution;
        final int side = arch == Architecture.MINI ? (r / 2 - 5 + 1) / 2 : ceilDiv(ceilDiv(r, 5) / 2, 5) / 2;
        if (side < 1)
        {
            throw new IllegalArgumentException("resolution " + r + " too small for the " + arch.id() + " architecture");
        }
        return side * side * (arch == Architecture.MINI ? 16 : 20);
    }

    /**
     * The dense layers' input: CNN features (when {@code features.image()}), block statistics of the input
     * image, and the flow descriptors of the second input, side by side.
     */
    private Operand<TFloat32> denseInput(final Ops tf, final Operand<TFloat32> image, final Operand<TFloat32> cnn)
    {
        final java.util.List<Operand<TFloat32>> parts = new ArrayList<>(3);
        if (features.image())
        {
            parts.add(cnn);
        }
        if (features.stats())
        {
            parts.add(BlockStatistics.build(tf, image, resolution));
        }
        if (features.transport())
        {
            parts.add(flowInput);
        }
        return parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(1));
    }

    /** Width the dense input has beyond the CNN's features. */
    private int extraWidth()
    {
        return (features.stats() ? BlockStatistics.COUNT : 0) + (features.transport() ? FlowDescriptors.WIDTH : 0);
    }

    private static int ceilDiv(final int a, final int b)
    {
        return (a + b - 1) / b;
    }

    private Operand<TFloat32> conv(
        final Ops tf, final String name, final Operand<TFloat32> x, final int k, final int in, final int out,
        final int stride, final String padding)
    {
        final Param w = param(tf, name + "_w", new long[] {k, k, in, out}, k * k * in, k * k * out, false);
        final Param b = param(tf, name + "_b", new long[] {out}, 0, 0, true);
        final Operand<TFloat32> c = tf.nn.conv2d(x, w.variable, Arrays.asList(1L, (long)stride, (long)stride, 1L), padding);
        return tf.nn.relu(tf.nn.biasAdd(c, b.variable));
    }

    private Operand<TFloat32> dense(final Ops tf, final String name, final Operand<TFloat32> x, final int in, final int out)
    {
        final Param w = param(tf, name + "_w", new long[] {in, out}, in, out, false);
        final Param b = param(tf, name + "_b", new long[] {out}, 0, 0, true);
        return tf.math.add(tf.linalg.matMul(x, w.variable), b.variable);
    }

    private static Operand<TFloat32> maxPool2(final Ops tf, final Operand<TFloat32> x)
    {
        final Operand<TInt32> k = tf.constant(new int[] {1, 2, 2, 1});
        return tf.nn.maxPool(x, k, k, "VALID");
    }

    /** Inverted dropout with a seeded stateful mask: x * floor(keep + U[0,1)) / keep. */
    private static Operand<TFloat32> dropout(
        final Ops tf, final Operand<TFloat32> x, final float rate, final long seed, final long index)
    {
        final float keep = 1f - rate;
        final Operand<TFloat32> u = tf.random.randomUniform(tf.shape(x), TFloat32.class,
            RandomUniform.seed(seed), RandomUniform.seed2(index));
        final Operand<TFloat32> mask = tf.math.floor(tf.math.add(u, tf.constant(keep)));
        return tf.math.mul(x, tf.math.mul(mask, tf.constant(1f / keep)));
    }

    private Param param(
        final Ops tf, final String name, final long[] shape, final int fanIn, final int fanOut, final boolean bias)
    {
        final Param existing = byName.get(name);
        if (existing != null)
        {
            return existing;
        }
        final Param p = new Param(name, shape, fanIn, fanOut, bias);
        byName.put(name, p);
        final Ops root = Ops.create(graphOf(tf));
        p.variable = root.withName(name).variable(Shape.of(shape), TFloat32.class);
        p.value = root.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        p.assign = root.withName(name + "_assign").assign(p.variable, p.value);
        params.add(p);
        return p;
    }

    private static Graph graphOf(final Ops tf)
    {
        return (Graph)tf.scope().env();
    }

    /** Glorot-uniform weights and zero biases from a seeded RNG. */
    float[][] initialValues(final long seed)
    {
        final Random random = new Random(seed);
        final float[][] values = new float[params.size()][];
        for (int i = 0; i < params.size(); i++)
        {
            final Param p = params.get(i);
            final float[] v = new float[p.size()];
            if (!p.bias)
            {
                final double limit = Math.sqrt(6.0 / (p.fanIn + p.fanOut));
                for (int j = 0; j < v.length; j++)
                {
                    v[j] = (float)((random.nextDouble() * 2 - 1) * limit);
                }
            }
            values[i] = v;
        }
        return values;
    }
}
