package io.flowpic.inference;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds and exports a small FlowPic SavedModel (tag {@code serve}) with fixed, deterministic weights derived
 * from a seed, plus its {@value ModelMetadata#FILE_NAME}. Test code, for tests here and in other modules (through
 * the test jar) that need a real model; the trainer exports its own.
 *
 * <p>Graph (NHWC, float32):
 * <pre>
 *   input  [-1,R,R,1]   placeholder, op name = metadata.inputName
 *   conv   SAME-padded conv2d, F=4 filters, k x k kernel, stride s  (R&lt;=64: k=3,s=2; R=1500: k=10,s=5)
 *          + bias, relu  -&gt; [-1,O,O,F], O = ceil(R/s); TF SAME padding: total pad P = max((O-1)*s+k-R, 0),
 *          P/2 zeros before (top/left), the rest after
 *   flatten -&gt; [-1, O*O*F]   (row-major over (oh, ow, f))
 *   dense  matMul + bias -&gt; [-1,C]
 *   softmax, op name = metadata.outputName
 * </pre>
 * Weights are TF variables initialised from the seeded values and saved in the SavedModel's checkpoint.
 */
public final class FixedWeightModelWriter {

    static final int FILTERS = 4;

    private FixedWeightModelWriter() {
    }

    /** Seeded weights of the fixed model; shapes as documented on the class. Package-private for tests. */
    record Weights(int resolution, int kernel, int stride, int filters, int out, int classes,
                   float[] convKernel /* [k][k][1][F] */, float[] convBias /* [F] */,
                   float[] denseKernel /* [D][C] */, float[] denseBias /* [C] */) {
        int flatSize() {
            return out * out * filters;
        }
    }

    static Weights weights(ModelMetadata m, long seed) {
        int r = m.resolution();
        int k = r <= 64 ? 3 : 10;
        int s = r <= 64 ? 2 : 5;
        int out = (r + s - 1) / s; // SAME padding
        int c = m.numClasses();
        int d = out * out * FILTERS;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] convKernel = uniform(rnd, k * k * FILTERS, 1.0 / k);
        float[] convBias = uniform(rnd, FILTERS, 0.1);
        float[] denseKernel = uniform(rnd, d * c, 2.0 / Math.sqrt(d));
        float[] denseBias = uniform(rnd, c, 0.1);
        return new Weights(r, k, s, FILTERS, out, c, convKernel, convBias, denseKernel, denseBias);
    }

    private static float[] uniform(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    /**
     * Exports the fixed-weight model for {@code metadata} into {@code dir} (created if needed; should be empty)
     * and writes the metadata file beside it.
     */
    public static void write(Path dir, ModelMetadata metadata, long seed) throws IOException {
        Files.createDirectories(dir);
        Weights w = weights(metadata, seed);
        int r = metadata.resolution();
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Operand<TFloat32> input = tf.withName(metadata.inputName())
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, r, r, 1)));
            Operand<TFloat32> convKernel = tf.withName("conv_kernel").variable(
                    tf.constant(Shape.of(w.kernel(), w.kernel(), 1, w.filters()), DataBuffers.of(w.convKernel())));
            Operand<TFloat32> convBias = tf.withName("conv_bias").variable(
                    tf.constant(Shape.of(w.filters()), DataBuffers.of(w.convBias())));
            Operand<TFloat32> denseKernel = tf.withName("dense_kernel").variable(
                    tf.constant(Shape.of(w.flatSize(), w.classes()), DataBuffers.of(w.denseKernel())));
            Operand<TFloat32> denseBias = tf.withName("dense_bias").variable(
                    tf.constant(Shape.of(w.classes()), DataBuffers.of(w.denseBias())));

            Operand<TFloat32> conv = tf.nn.conv2d(input, convKernel,
                    List.of(1L, (long) w.stride(), (long) w.stride(), 1L), "SAME");
            Operand<TFloat32> act = tf.nn.relu(tf.nn.biasAdd(conv, convBias));
            Operand<TFloat32> flat = tf.reshape(act, tf.constant(new int[] {-1, w.flatSize()}));
            Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(flat, denseKernel), denseBias);
            Operand<TFloat32> scores = tf.withName(metadata.outputName()).nn.softmax(logits);

            Signature sig = Signature.builder()
                    .key(metadata.signature())
                    .input(metadata.inputName(), input)
                    .output(metadata.outputName(), scores)
                    .build();
            try (Session session = new Session(g)) {
                session.initialize();
                SavedModelBundle.exporter(dir.toString())
                        .withSession(session)
                        .withSignature(sig)
                        .export();
            }
        } catch (RuntimeException e) {
            throw new IOException("cannot export fixed-weight model to " + dir + ": " + e.getMessage(), e);
        }
        metadata.write(dir);
    }
}
