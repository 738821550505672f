package io.flowpic.inference;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

import java.util.Arrays;
import java.util.Set;

/**
 * The first layer of a FlowPic CNN (conv2d with one input channel + bias + relu, optionally followed by a
 * non-overlapping VALID max-pool) computed in Java from the non-zero input cells only, with the SavedModel's own
 * weights. {@link FlowPicClassifier} feeds the result into the graph in place of the layer's output tensor (TF1
 * sessions can feed any tensor, not only placeholders), so TensorFlow runs only the layers after it.
 *
 * <p>Why: a full-size FlowPic (R = 1500) has 2.25 M cells of which hundreds to a few thousand are non-zero; the
 * dense conv1 of the FlowPic net (10@10×10 stride 5) costs 90 M multiply-adds per image, the sparse one 4 × 10
 * per non-zero cell (a cell lies in at most ⌈k/s⌉² = 4 windows). Cells far from any packet all take the same
 * value, relu(bias).
 *
 * <p>The graph must have exactly this shape, else {@link #detect} returns a reason and the classifier stays
 * dense: input placeholder → (its only consumer) {@code Conv2D} NHWC, filter {@code [k,k,1,F]}, strides
 * {@code [1,s,s,1]}, dilations 1, padding SAME or VALID → (only consumer) {@code BiasAdd} NHWC, bias {@code [F]}
 * → (only consumer) {@code Relu} → optionally (only consumer) {@code MaxPool}/{@code MaxPoolV2} NHWC with
 * ksize = strides = {@code [1,q,q,1]}, VALID. The fed tensor is the pool's output if there is such a pool, else
 * the relu's; since every path from the input to the output passes through it, feeding it is exact.
 *
 * <p>Padding follows TensorFlow: SAME gives {@code O = ceil(R/s)}, {@code pad_total = max((O-1)*s + k - R, 0)},
 * {@code pad_before = pad_total / 2}; VALID gives {@code O = (R-k)/s + 1}, no padding. Not thread-safe (the
 * classifier's {@code classify} is synchronized).
 */
final class SparseFirstLayer {

    /** Result of {@link #detect}: a layer, or the reason there is none. */
    record Detection(SparseFirstLayer layer, String reason) {
    }

    private final String feedOp;
    private final String description;
    private final int r;          // input resolution
    private final int k;          // kernel size
    private final int s;          // conv stride
    private final int f;          // filters
    private final int o;          // conv output size
    private final int padBefore;
    private final int q;          // pool size (= pool stride); 1 = no pool
    private final int p;          // fed tensor's spatial size (o / q, or o without pool)
    private final float[] w;      // [kh][kw][f]
    private final float[] bias;   // [f]
    private final float[] template; // one image of the fed tensor where no packet is near: relu(bias) per cell

    // scratch, reused across calls
    private final float[] acc;    // [o*o*f] conv sums without bias, all zero between images
    private final boolean[] touched;
    private final int[] touchedList;
    private final boolean[] pooledTouched;
    private final int[] pooledList;
    private final NonZeroCells cells = new NonZeroCells();

    private SparseFirstLayer(String feedOp, String description, int r, int k, int s, int f, int o, int padBefore,
                             int q, float[] w, float[] bias) {
        this.feedOp = feedOp;
        this.description = description;
        this.r = r;
        this.k = k;
        this.s = s;
        this.f = f;
        this.o = o;
        this.padBefore = padBefore;
        this.q = q;
        this.p = o / q;
        this.w = w;
        this.bias = bias;
        this.template = new float[p * p * f];
        for (int i = 0; i < template.length; i++) {
            template[i] = relu(bias[i % f]);
        }
        this.acc = new float[o * o * f];
        this.touched = new boolean[o * o];
        this.touchedList = new int[o * o];
        this.pooledTouched = new boolean[p * p];
        this.pooledList = new int[p * p];
    }

    /** Name of the graph operation whose output 0 is fed. */
    String feedOp() {
        return feedOp;
    }

    /** Shape of the fed tensor for a batch of {@code n}. */
    Shape shape(int n) {
        return Shape.of(n, p, p, f);
    }

    /** Multiply-adds per image of the dense conv this layer replaces ({@code O*O*k*k*F}). */
    long denseMultiplyAdds() {
        return (long) o * o * k * k * f;
    }

    /** Floats per image of the fed tensor. */
    int outputSize() {
        return p * p * f;
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * Looks for the first layer in {@code graph} behind the input tensor {@code inputTensor} ("op:index") and
     * reads its weights through {@code session}.
     */
    static Detection detect(Graph graph, Session session, String inputTensor, int resolution) {
        try {
            return detectOrThrow(graph, session, inputTensor, resolution);
        } catch (RuntimeException e) {
            return new Detection(null, "graph inspection failed: " + e);
        }
    }

    private static Detection detectOrThrow(Graph graph, Session session, String inputTensor, int resolution) {
        int colon = inputTensor.lastIndexOf(':');
        String inOpName = colon < 0 ? inputTensor : inputTensor.substring(0, colon);
        int inIndex = colon < 0 ? 0 : Integer.parseInt(inputTensor.substring(colon + 1));
        GraphOperation in = graph.operation(inOpName);
        if (in == null) {
            return none("no input operation '" + inOpName + "'");
        }
        GraphOperation conv = onlyConsumer(in, inIndex);
        if (conv == null || !conv.type().equals("Conv2D") || !isOutput(conv.input(0), in, inIndex)) {
            return none("input '" + inputTensor + "' is not consumed by exactly one Conv2D");
        }
        if (!"NHWC".equals(conv.attributes().getAttrString("data_format"))) {
            return none("Conv2D data_format is not NHWC");
        }
        long[] strides = conv.attributes().getAttrIntList("strides");
        long[] dilations = conv.attributes().getAttrIntList("dilations");
        String padding = conv.attributes().getAttrString("padding");
        if (strides.length != 4 || strides[0] != 1 || strides[3] != 1 || strides[1] != strides[2] || strides[1] < 1
                || !Arrays.equals(dilations, new long[] {1, 1, 1, 1})
                || !(padding.equals("SAME") || padding.equals("VALID"))) {
            return none("Conv2D strides " + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations)
                    + ", padding " + padding + " not supported");
        }
        GraphOperation biasAdd = onlyConsumer(conv, 0);
        if (biasAdd == null || !biasAdd.type().equals("BiasAdd") || !isOutput(biasAdd.input(0), conv, 0)
                || !"NHWC".equals(biasAdd.attributes().getAttrString("data_format"))) {
            return none("Conv2D is not followed by exactly one NHWC BiasAdd");
        }
        GraphOperation relu = onlyConsumer(biasAdd, 0);
        if (relu == null || !relu.type().equals("Relu")) {
            return none("BiasAdd is not followed by exactly one Relu");
        }
        GraphOperation pool = onlyConsumer(relu, 0);
        int q = 1;
        String feed = relu.name();
        String poolNote = "no pool";
        if (pool != null && (pool.type().equals("MaxPool") || pool.type().equals("MaxPoolV2"))
                && isOutput(pool.input(0), relu, 0)
                && "NHWC".equals(pool.attributes().getAttrString("data_format"))
                && "VALID".equals(pool.attributes().getAttrString("padding"))) {
            long[] ksize;
            long[] pstrides;
            if (pool.type().equals("MaxPool")) {
                ksize = pool.attributes().getAttrIntList("ksize");
                pstrides = pool.attributes().getAttrIntList("strides");
            } else {
                ksize = fetchInts(session, pool.input(1));
                pstrides = fetchInts(session, pool.input(2));
            }
            if (ksize.length == 4 && Arrays.equals(ksize, pstrides) && ksize[0] == 1 && ksize[3] == 1
                    && ksize[1] == ksize[2] && ksize[1] >= 1) {
                q = (int) ksize[1];
                feed = pool.name();
                poolNote = pool.type() + " " + q + "×" + q;
            }
        }

        float[] kernel;
        float[] bias;
        Shape kernelShape;
        try (Result res = session.runner().fetch(conv.input(1)).fetch(biasAdd.input(1)).run()) {
            Tensor kt = res.get(0);
            Tensor bt = res.get(1);
            if (!(kt instanceof TFloat32 kf) || !(bt instanceof TFloat32 bf)) {
                return none("conv1 weights are not float");
            }
            kernelShape = kt.shape();
            if (kernelShape.numDimensions() != 4 || kernelShape.get(0) != kernelShape.get(1)
                    || kernelShape.get(2) != 1 || bt.shape().numDimensions() != 1
                    || bt.shape().get(0) != kernelShape.get(3)) {
                return none("conv1 filter " + kernelShape + " / bias " + bt.shape() + " not [k,k,1,F] / [F]");
            }
            kernel = new float[(int) kernelShape.size()];
            bias = new float[(int) bt.shape().size()];
            kf.copyTo(DataBuffers.of(kernel, false, false));
            bf.copyTo(DataBuffers.of(bias, false, false));
        }
        int k = (int) kernelShape.get(0);
        int filters = (int) kernelShape.get(3);
        int s = (int) strides[1];
        int o;
        int padBefore;
        if (padding.equals("SAME")) {
            o = (resolution + s - 1) / s;
            padBefore = Math.max((o - 1) * s + k - resolution, 0) / 2;
        } else {
            o = resolution >= k ? (resolution - k) / s + 1 : 0;
            padBefore = 0;
        }
        if (o < q) {
            return none("conv output " + o + " smaller than pool " + q);
        }
        int p = o / q;
        Shape declared = graph.operation(feed).output(0).shape();
        if (!declared.isUnknown() && (declared.numDimensions() != 4 || declared.get(1) != p
                || declared.get(2) != p || declared.get(3) != filters)) {
            return none("'" + feed + "' has shape " + declared + ", expected [-1," + p + "," + p + "," + filters + "]");
        }
        String desc = "sparse first layer: conv " + filters + "@" + k + "×" + k + "/" + s + " " + padding
                + " + bias + relu, " + poolNote + ", computed in Java and fed as '" + feed + ":0' [-1," + p + ","
                + p + "," + filters + "]";
        return new Detection(new SparseFirstLayer(feed, desc, resolution, k, s, filters, o, padBefore, q, kernel,
                bias), null);
    }

    private static Detection none(String reason) {
        return new Detection(null, reason);
    }

    private static GraphOperation onlyConsumer(GraphOperation op, int output) {
        Set<GraphOperation> consumers = op.consumers(output);
        if (consumers.size() != 1 || op.numControlConsumers() != 0) {
            return null;
        }
        GraphOperation c = consumers.iterator().next();
        // a consumer that takes the same tensor twice, or takes other outputs of op, is not the simple chain
        int uses = 0;
        for (int i = 0; i < c.numInputs(); i++) {
            Output<?> x = c.input(i);
            if (x.op().name().equals(op.name())) {
                uses++;
            }
        }
        return uses == 1 ? c : null;
    }

    private static boolean isOutput(Output<?> x, GraphOperation op, int index) {
        return x.op().name().equals(op.name()) && x.index() == index;
    }

    private static long[] fetchInts(Session session, Output<?> x) {
        try (Result res = session.runner().fetch(x).run()) {
            if (!(res.get(0) instanceof TInt32 t) || t.shape().numDimensions() != 1) {
                return new long[0];
            }
            long[] v = new long[(int) t.shape().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getInt(i);
            }
            return v;
        }
    }

    private static float relu(float x) {
        return x > 0f ? x : 0f;
    }

    /**
     * Computes the fed tensor for {@code n} images of raw counts ({@code n*R*R}, row-major) into
     * {@code out[0 .. n*outputSize())}, applying the normalisation {@code norm} (0 none, 1 log1p, 2 max) to the
     * non-zero cells exactly as the classifier's dense path does.
     */
    void compute(float[] counts, int n, int norm, float[] out) {
        int pixels = r * r;
        int outSize = p * p * f;
        for (int img = 0; img < n; img++) {
            int nnz = cells.gather(counts, img * pixels, pixels);
            float inv = 1f;
            if (norm == 2) {
                float max = 0f;
                for (int i = 0; i < nnz; i++) {
                    max = Math.max(max, cells.count[i]);
                }
                inv = max > 0 ? 1f / max : 0f;
            }
            int nTouched = 0;
            for (int i = 0; i < nnz; i++) {
                float v = cells.count[i];
                float x = switch (norm) {
                    case 1 -> v > 0 ? (float) Math.log1p(v) : 0f;
                    case 2 -> v * inv;
                    default -> v;
                };
                if (x == 0f) {
                    continue;
                }
                int cell = cells.index[i];
                int rr = cell / r + padBefore;
                int cc = cell % r + padBefore;
                int ohLo = rr < k ? 0 : (rr - k + s) / s;
                int ohHi = Math.min(rr / s, o - 1);
                int owLo = cc < k ? 0 : (cc - k + s) / s;
                int owHi = Math.min(cc / s, o - 1);
                for (int oh = ohLo; oh <= ohHi; oh++) {
                    int kh = rr - oh * s;
                    for (int ow = owLo; ow <= owHi; ow++) {
                        int kw = cc - ow * s;
                        int pos = oh * o + ow;
                        if (!touched[pos]) {
                            touched[pos] = true;
                            touchedList[nTouched++] = pos;
                        }
                        int a = pos * f;
                        int wb = (kh * k + kw) * f;
                        for (int c = 0; c < f; c++) {
                            acc[a + c] += x * w[wb + c];
                        }
                    }
                }
            }
            int outBase = img * outSize;
            System.arraycopy(template, 0, out, outBase, outSize);
            // Fed cells whose window (q x q conv positions) contains a touched position: max over the whole
            // window, where untouched positions have acc == 0 and so give relu(bias) as in the dense graph.
            int nPooled = 0;
            for (int t = 0; t < nTouched; t++) {
                int pos = touchedList[t];
                int ph = pos / o / q;
                int pw = pos % o / q;
                if (ph < p && pw < p && !pooledTouched[ph * p + pw]) {
                    pooledTouched[ph * p + pw] = true;
                    pooledList[nPooled++] = ph * p + pw;
                }
            }
            for (int t = 0; t < nPooled; t++) {
                int cell = pooledList[t];
                pooledTouched[cell] = false;
                int ob = outBase + cell * f;
                int oh0 = cell / p * q;
                int ow0 = cell % p * q;
                for (int dy = 0; dy < q; dy++) {
                    for (int dx = 0; dx < q; dx++) {
                        int a = ((oh0 + dy) * o + ow0 + dx) * f;
                        boolean first = dy == 0 && dx == 0;
                        for (int c = 0; c < f; c++) {
                            float y = relu(acc[a + c] + bias[c]);
                            if (first || y > out[ob + c]) {
                                out[ob + c] = y;
                            }
                        }
                    }
                }
            }
            for (int t = 0; t < nTouched; t++) {
                int pos = touchedList[t];
                touched[pos] = false;
                Arrays.fill(acc, pos * f, pos * f + f, 0f);
            }
        }
    }
}
