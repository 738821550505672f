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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The whole FlowPic network computed in plain Java, one image at a time, with the SavedModel's own weights: conv
 * layers (+ bias + relu + max-pool), the block statistics the graph computes from the picture, the flow
 * descriptor input, the dense layers and the softmax.
 *
 * <p>Why: for the small nets (R = 32/64, ~0.6-2.6 M multiply-adds per image) TensorFlow spends most of a session
 * call outside the arithmetic: dozens of small ops for the statistics, per-op dispatch and tensor copies. Java's
 * loops, laid out so that C2 vectorises them (stride-1 convolutions run as long contiguous multiply-add loops over
 * whole output rows, "full width" with a few wasted columns), do the same work in a fraction of the CPU.
 *
 * <p>Generic over what the trainer ({@code io.flowpic.inference.train.FlowPicNet}) builds, read from the graph by
 * walking back from the output, never from today's weights: {@code Softmax ← (Add|AddV2|BiasAdd)(MatMul(x, W), b)
 * [← Relu ← dense ...] ← ConcatV2(parts) or one part}, where a part is the CNN ({@code Reshape ← [MaxPool|MaxPoolV2
 * ←] Relu ← BiasAdd ← Conv2D ← ... ← input placeholder}, any number of convs, any kernel, stride, SAME/VALID,
 * channels), the block statistics (an op of the {@code block_stats/} scope, computed here as
 * {@code BlockStatistics} defines them) or the flow placeholder. Anything else returns a reason and the classifier
 * stays with TensorFlow. The structure is necessary, not sufficient: the classifier also checks the scores against
 * the SavedModel on probe inputs at load ({@link #maxDifference}) and uses this pass only if they agree.
 *
 * <p>Not thread-safe (scratch buffers are reused; the classifier's {@code classify} is synchronized).
 */
final class JavaForwardPass {

    /** Result of {@link #detect}: a pass, or the reason there is none. */
    record Detection(JavaForwardPass pass, String reason) {
    }

    /** Block statistics per image (must equal {@code BlockStatistics.COUNT}; the load-time check would catch a change). */
    static final int STATS = 17;
    private static final float LARGE_FRACTION = 2f / 3f;
    private static final float SMALL_FRACTION = 1f / 15f;
    /** Counts whose graph-side expm1(log1p(count)) is read from TensorFlow at load (cells saturate at 65535). */
    private static final int EXPM1_TABLE = 65536;
    /** (float) log1p(count) by count, as the classifier's TensorFlow path normalises (Math.log1p costs ~20 ns). */
    private static final float[] LOG1P = new float[EXPM1_TABLE];

    static {
        for (int i = 1; i < LOG1P.length; i++) {
            LOG1P[i] = (float) Math.log1p(i);
        }
    }

    private enum Part { CNN, STATS, FLOW }

    /** One conv + bias + relu (+ VALID max-pool q x q), NHWC as in the graph, channels padded to the vector width. */
    private static final class Conv {
        final int k;
        final int s;
        final int cin;
        final int cs;        // channel stride of the input (1 for the picture, the previous layer's fp)
        final int cout;
        final int fp;        // cout padded to VectorKernels.LANES
        final int side;      // input side
        final int o;         // conv output side
        final int padBefore;
        final int q;         // pool size and stride, 1 = none
        final int p;         // output side after the pool
        final float[] w;     // [kh][kw][cin][fp]
        final float[] bias;  // [fp]
        final int wp;        // zero-padded input side
        final float[] padded; // [wp][wp][cs], border never written
        final int[] taps;
        final float[] flipped; // [kh][k-1-kw][fp]: the picture's conv, stride 1 (see runSparse)
        float[] firstPadded;
        /**
         * Positions that differ from the empty picture's, one bit per column, one long per row ({@code null} where a
         * side exceeds 64: all computed). A position of a later conv whose whole window lies in clean input is the
         * empty picture's ({@link #base}) and is not computed: real blocks (~24 cells) touch a few size rows over
         * part of the block, so 38 % of the second conv's positions are dirty, against 66 % by whole rows.
         */
        final long[] convBits;
        final long[] outBits;
        final long kMask;
        /** Conv output for the empty picture (later convs only), captured at load through this same code. */
        float[] base;
        /** Pooled output for the empty picture, captured with {@link #base}. */
        float[] outBase;
        final float[] conv;  // [o][o][fp]
        final float[] out;   // [p][p][fp]

        Conv(int k, int s, int cin, int cs, int cout, int side, boolean same, int q, float[] hwio, float[] bias) {
            this.k = k;
            this.s = s;
            this.cin = cin;
            this.cs = cs;
            this.cout = cout;
            this.fp = VectorKernels.padded(cout);
            this.side = side;
            int padTotal;
            if (same) {
                o = (side + s - 1) / s;
                padTotal = Math.max((o - 1) * s + k - side, 0);
            } else {
                o = side >= k ? (side - k) / s + 1 : 0;
                padTotal = 0;
            }
            padBefore = padTotal / 2;
            this.q = q;
            this.p = o / q;
            this.w = new float[k * k * cin * fp];
            for (int t = 0; t < k * k * cin; t++) {
                System.arraycopy(hwio, t * cout, w, t * fp, cout);
            }
            this.bias = Arrays.copyOf(bias, fp);
            this.wp = Math.max(side + padTotal, (o - 1) * s + k);
            this.padded = new float[cin == 1 ? 0 : wp * wp * cs];
            this.taps = VectorKernels.taps(k, cin, wp, cs);
            this.flipped = new float[cin == 1 ? w.length : 0];
            if (cin == 1) {
                for (int kh = 0; kh < k; kh++) {
                    for (int kw = 0; kw < k; kw++) {
                        System.arraycopy(w, (kh * k + kw) * fp, flipped, (kh * k + k - 1 - kw) * fp, fp);
                    }
                }
            }
            this.conv = new float[o * o * fp];
            this.out = new float[p * p * fp];
            // one long per row; the window and pool masks need k and q below 64 as well
            boolean tracked = side <= 64 && o <= 64 && k < 64 && q < 64;
            this.convBits = tracked ? new long[o] : null;
            this.outBits = tracked ? new long[p] : null;
            this.kMask = k >= 64 ? -1L : (1L << k) - 1;
        }

        long multiplyAdds() {
            return (long) o * o * k * k * cin * cout;
        }

        /**
         * Input {@code [side][side][cs]} whose positions {@code inBits} differ from the empty picture's ({@code null}:
         * all may); leaves {@code out} and {@link #outBits}.
         */
        void run(float[] in, long[] inBits) {
            int row = side * cs;
            for (int y = 0; y < side; y++) {
                System.arraycopy(in, y * row, padded, ((y + padBefore) * wp + padBefore) * cs, row);
            }
            long[] bits = base == null || inBits == null ? null : convBits;
            if (bits != null) {
                dilate(inBits);
                // clean positions keep the empty picture's values; a computed block may cover a few clean ones too,
                // which come out bit-identical to base (same inputs, same order)
                System.arraycopy(base, 0, conv, 0, conv.length);
            }
            VectorKernels.conv(padded, wp, cs, taps, s, w, fp, conv, o, bits);
            poolBits(bits != null);
            pool(bits != null);
        }

        /** convBits = the output positions whose window holds a dirty input position ({@code inBits}). */
        private void dilate(long[] inBits) {
            for (int oy = 0; oy < o; oy++) {
                long m = 0;
                for (int kh = 0; kh < k; kh++) {
                    int iy = oy * s + kh - padBefore;
                    if (iy >= 0 && iy < side) {
                        m |= inBits[iy];
                    }
                }
                long b = 0;
                if (m != 0) {
                    for (int ox = 0; ox < o; ox++) {
                        int ix = ox * s - padBefore;
                        long window = ix >= 0 ? m >>> ix : m << -ix;
                        if ((window & kMask) != 0) {
                            b |= 1L << ox;
                        }
                    }
                }
                convBits[oy] = b;
            }
        }

        /** Pool + bias + relu; with {@code tracked}, only the outputs set in outBits (the rest: {@link #outBase}). */
        private void pool(boolean tracked) {
            boolean skip = tracked && outBits != null && outBase != null;
            VectorKernels.poolBiasRelu(conv, o, fp, q, bias, out, p, skip ? outBits : null, outBase);
        }

        /** outBits from convBits through the q x q pool; all set when the conv was computed everywhere. */
        private void poolBits(boolean tracked) {
            if (outBits == null) {
                return;
            }
            if (!tracked) {
                Arrays.fill(outBits, p == 64 ? -1L : (1L << p) - 1);
                return;
            }
            long qMask = (1L << q) - 1;
            for (int py = 0; py < p; py++) {
                long m = 0;
                for (int d = 0; d < q; d++) {
                    m |= convBits[py * q + d];
                }
                long b = 0;
                for (int px = 0; px < p && m != 0; px++) {
                    if (((m >>> (px * q)) & qMask) != 0) {
                        b |= 1L << px;
                    }
                }
                outBits[py] = b;
            }
        }

        /**
         * The picture's conv (one channel) from its non-zero cells: a cell lies in at most ⌈k/s⌉² windows, so
         * 200 packets cost ≤ 200·25 vector multiply-adds at R = 32 instead of the dense 1,024·25. With stride 1 the
         * windows of one kernel row are adjacent outputs, so a cell adds one contiguous run of k·fp floats per
         * kernel row (weights stored with kw reversed). A crowded picture goes dense.
         */
        void runSparse(int[] idx, float[] val, int nnz, boolean tracking) {
            if (nnz * 2 > o * o) {
                runDenseFirst(idx, val, nnz);
                return;
            }
            Arrays.fill(conv, 0f);
            if (convBits != null) {
                Arrays.fill(convBits, 0L);
            }
            for (int i = 0; i < nnz; i++) {
                float x = val[i];
                if (x == 0f) {
                    continue;
                }
                int cell = idx[i];
                int rr = cell / side + padBefore;
                int cc = cell % side + padBefore;
                int ohLo = rr < k ? 0 : (rr - k + s) / s;
                int ohHi = Math.min(rr / s, o - 1);
                int owLo = cc < k ? 0 : (cc - k + s) / s;
                int owHi = Math.min(cc / s, o - 1);
                if (convBits != null && owLo <= owHi) {
                    long span = (-1L >>> (63 - owHi)) & (-1L << owLo);
                    for (int oh = ohLo; oh <= ohHi; oh++) {
                        convBits[oh] |= span;
                    }
                }
                if (s == 1) {
                    int runLength = (owHi - owLo + 1) * fp;
                    int j0 = k - 1 - (cc - owLo); // reversed kw of the first window
                    for (int oh = ohLo; oh <= ohHi; oh++) {
                        int kh = rr - oh;
                        VectorKernels.axpy(conv, (oh * o + owLo) * fp, x, flipped, (kh * k + j0) * fp, runLength);
                    }
                } else {
                    for (int oh = ohLo; oh <= ohHi; oh++) {
                        int kh = rr - oh * s;
                        for (int ow = owLo; ow <= owHi; ow++) {
                            int kw = cc - ow * s;
                            VectorKernels.axpy(conv, (oh * o + ow) * fp, x, w, (kh * k + kw) * fp, fp);
                        }
                    }
                }
            }
            poolBits(convBits != null);
            pool(tracking && convBits != null);
        }

        private void runDenseFirst(int[] idx, float[] val, int nnz) {
            if (firstPadded == null) {
                firstPadded = new float[wp * wp];
            }
            for (int i = 0; i < nnz; i++) {
                firstPadded[(idx[i] / side + padBefore) * wp + idx[i] % side + padBefore] = val[i];
            }
            VectorKernels.conv(firstPadded, wp, 1, taps, s, w, fp, conv, o, null);
            for (int i = 0; i < nnz; i++) {
                firstPadded[(idx[i] / side + padBefore) * wp + idx[i] % side + padBefore] = 0f;
            }
            poolBits(false);
            pool(false);
        }
    }

    /** x W + b, relu unless last; outputs padded to the vector width. */
    private static final class Dense {
        final int in;
        final int out;
        final int outP;
        float[] w; // graph's [in][out]; after layout(): [inLayout][outP]
        float[] bias;
        final boolean relu;
        float[] y;
        int[] nzIdx = new int[0];
        float[] nzVal = new float[0];

        Dense(int in, int out, float[] w, float[] bias, boolean relu) {
            this.in = in;
            this.out = out;
            this.outP = VectorKernels.padded(out);
            this.w = w;
            this.bias = Arrays.copyOf(bias, outP);
            this.relu = relu;
            this.y = new float[outP];
        }

        /** Reorders rows ({@code rowOf[graph row]} = row here, of {@code rows}) and pads columns. */
        void layout(int[] rowOf, int rows) {
            float[] v = new float[rows * outP];
            for (int i = 0; i < in; i++) {
                System.arraycopy(w, i * out, v, rowOf[i] * outP, out);
            }
            w = v;
        }

        void run(float[] x, int width) {
            if (nzIdx.length < width) {
                nzIdx = new int[width];
                nzVal = new float[width];
            }
            VectorKernels.matVec(x, width, w, outP, y, nzIdx, nzVal);
            VectorKernels.biasRelu(y, bias, outP, relu);
        }
    }

    private final int r;
    private final String description;
    private final List<Conv> convs;
    private final Part[] parts;
    private final int[] partWidth;     // as in the graph
    private final int[] layoutWidth;   // here (the CNN's channels padded)
    private final int featureWidth;
    private final List<Dense> dense;
    private final int classes;
    private final int cnnWidth;
    /** expm1 of log1p(count) as the graph computes it, by count; null if the model has no statistics. */
    private float[] expm1Table;

    private boolean trackDirty = true;

    // scratch
    private final float[] features;
    private int norm;
    private final NonZeroCells cells = new NonZeroCells();
    /** The non-zero cells' values after the model's normalisation, beside {@link #cells}. */
    private float[] nzValue = new float[256];
    private final float[] bySize;
    private final float[] byTime;
    private final float[] cumulative;
    private final float[] centre;
    private final boolean[] large;
    private final boolean[] small;

    private JavaForwardPass(int r, List<Conv> convs, Part[] parts, int[] partWidth, List<Dense> dense) {
        this.r = r;
        this.convs = convs;
        this.parts = parts;
        this.partWidth = partWidth;
        this.dense = dense;
        this.classes = dense.get(dense.size() - 1).out;
        this.cnnWidth = convs.isEmpty() ? 0 : convs.get(convs.size() - 1).out.length;
        this.layoutWidth = new int[parts.length];
        int width = 0;
        for (int i = 0; i < parts.length; i++) {
            layoutWidth[i] = parts[i] == Part.CNN ? cnnWidth : partWidth[i];
            width += layoutWidth[i];
        }
        this.featureWidth = width;
        this.features = new float[width];
        this.bySize = new float[r];
        this.byTime = new float[r];
        this.cumulative = new float[r];
        this.centre = new float[r];
        this.large = new boolean[r];
        this.small = new boolean[r];
        for (int i = 0; i < r; i++) {
            centre[i] = (i + 0.5f) / r;
            large[i] = centre[i] >= LARGE_FRACTION;
            small[i] = centre[i] < SMALL_FRACTION;
        }
        StringBuilder d = new StringBuilder("java forward pass:");
        for (Conv c : convs) {
            d.append(" conv ").append(c.cout).append('@').append(c.k).append('×').append(c.k).append('/').append(c.s)
                    .append(c.q > 1 ? " pool " + c.q : "").append(',');
        }
        d.append(" dense input ");
        for (int i = 0; i < parts.length; i++) {
            d.append(i > 0 ? "+" : "").append(parts[i].name().toLowerCase(java.util.Locale.ROOT)).append('(')
                    .append(partWidth[i]).append(')');
        }
        for (Dense l : dense) {
            d.append(", fc ").append(l.out);
        }
        d.append(", softmax; ").append(multiplyAdds()).append(" multiply-adds per image");
        this.description = d.toString();
    }

    @Override
    public String toString() {
        return description;
    }

    int classes() {
        return classes;
    }

    /** Dense multiply-adds per image (conv layers at their full size, dense layers). */
    long multiplyAdds() {
        long m = 0;
        for (Conv c : convs) {
            m += c.multiplyAdds();
        }
        for (Dense l : dense) {
            m += (long) l.in * l.out;
        }
        return m;
    }

    /** Test hook: changes one weight of the first dense layer so the load-time check must refuse the pass. */
    /**
     * Tests only: with {@code false} every conv computes and pools every position (the empty picture's values are
     * never reused), the reference the dirty-position bookkeeping must equal bit for bit.
     */
    void trackDirtyPositions(boolean on) {
        trackDirty = on;
    }

    void corruptWeightForTest(float delta) {
        // The output layer's first bias moves every picture's logits: a weight of an early layer may meet only
        // zeros (a unit no probe activates) and change nothing the check could see.
        dense.get(dense.size() - 1).bias[0] += delta;
    }

    // ------------------------------------------------------------------------------------------------ detection

    static Detection detect(Graph graph, Session session, String inputTensor, String flowTensor, String outputTensor,
                            int resolution) {
        try {
            return detectOrThrow(graph, session, inputTensor, flowTensor, outputTensor, resolution);
        } catch (RuntimeException e) {
            return new Detection(null, "graph inspection failed: " + e);
        }
    }

    private static Detection detectOrThrow(Graph graph, Session session, String inputTensor, String flowTensor,
                                           String outputTensor, int r) {
        GraphOperation input = graph.operation(opName(inputTensor));
        GraphOperation flow = flowTensor == null ? null : graph.operation(opName(flowTensor));
        GraphOperation softmax = graph.operation(opName(outputTensor));
        if (input == null || softmax == null || (flowTensor != null && flow == null)) {
            return none("input, flow or output operation not in the graph");
        }
        if (!softmax.type().equals("Softmax")) {
            return none("output '" + outputTensor + "' is " + softmax.type() + ", not Softmax");
        }
        // Dense layers, from the last back to the first.
        List<Dense> dense = new ArrayList<>();
        Output<?> x = softmax.input(0);
        boolean relu = false;
        while (true) {
            GraphOperation add = (GraphOperation) x.op();
            if (!(add.type().equals("Add") || add.type().equals("AddV2") || add.type().equals("BiasAdd"))) {
                break;
            }
            GraphOperation matmul = (GraphOperation) add.input(0).op();
            if (!matmul.type().equals("MatMul") || matmul.attributes().getAttrBool("transpose_a")
                    || matmul.attributes().getAttrBool("transpose_b")) {
                return none("dense layer '" + add.name() + "' is not MatMul(x, W) + b");
            }
            float[][] wb = new float[2][];
            Shape[] shapes = new Shape[2];
            fetch(session, new Output<?>[] {matmul.input(1), add.input(1)}, wb, shapes);
            if (shapes[0].numDimensions() != 2 || shapes[1].numDimensions() != 1
                    || shapes[1].get(0) != shapes[0].get(1)) {
                return none("dense layer '" + add.name() + "' weights " + shapes[0] + " / bias " + shapes[1]);
            }
            dense.add(0, new Dense((int) shapes[0].get(0), (int) shapes[0].get(1), wb[0], wb[1], relu));
            x = matmul.input(0);
            GraphOperation xo = (GraphOperation) x.op();
            if (xo.type().equals("Relu")) {
                relu = true;
                x = xo.input(0);
            } else {
                break;
            }
        }
        if (dense.isEmpty()) {
            return none("no dense layer before the softmax");
        }
        for (int i = 1; i < dense.size(); i++) {
            if (dense.get(i).in != dense.get(i - 1).out) {
                return none("dense layer widths do not chain");
            }
        }
        // The dense input: one part or a concat of parts.
        GraphOperation top = (GraphOperation) x.op();
        List<Output<?>> partOutputs = new ArrayList<>();
        if (top.type().equals("ConcatV2")) {
            int np = top.numInputs() - 1;
            long[] axis = fetchInts(session, top.input(np));
            if (axis.length != 1 || axis[0] != 1) {
                return none("dense input concat is not along axis 1");
            }
            for (int i = 0; i < np; i++) {
                partOutputs.add(top.input(i));
            }
        } else {
            partOutputs.add(x);
        }
        Part[] parts = new Part[partOutputs.size()];
        int[] widths = new int[parts.length];
        List<Conv> convs = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < parts.length; i++) {
            GraphOperation op = (GraphOperation) partOutputs.get(i).op();
            if (flow != null && op.name().equals(flow.name())) {
                parts[i] = Part.FLOW;
                widths[i] = FlowDescriptors.WIDTH;
            } else if (op.name().startsWith("block_stats/")) {
                parts[i] = Part.STATS;
                widths[i] = STATS;
            } else if (op.type().equals("Reshape") && convs.isEmpty()) {
                String reason = convChain(graph, session, (GraphOperation) op.input(0).op(), input, r, convs);
                if (reason != null) {
                    return none(reason);
                }
                parts[i] = Part.CNN;
                Conv last = convs.get(convs.size() - 1);
                widths[i] = last.p * last.p * last.cout;
            } else {
                return none("dense input part " + i + " ('" + op.name() + "', " + op.type()
                        + ") is not the CNN, the block statistics or the flow input");
            }
            total += widths[i];
        }
        if (total != dense.get(0).in) {
            return none("dense input is " + total + " wide, fc1 takes " + dense.get(0).in);
        }
        JavaForwardPass pass = new JavaForwardPass(r, convs, parts, widths, dense);
        pass.layoutDense();
        if (!convs.isEmpty()) {
            pass.captureBase();
        }
        if (Arrays.asList(parts).contains(Part.STATS)) {
            String reason = pass.readExpm1Table(graph, session, input);
            if (reason != null) {
                return none(reason);
            }
        }
        return new Detection(pass, null);
    }

    /** Walks Reshape's input back through conv layers to the input placeholder; fills {@code convs} in order. */
    private static String convChain(Graph graph, Session session, GraphOperation end, GraphOperation input, int r,
                                    List<Conv> convs) {
        List<Object[]> layers = new ArrayList<>(); // {conv, biasAdd, q}, last layer first
        GraphOperation op = end;
        while (true) {
            int q = 1;
            if (op.type().equals("MaxPool") || op.type().equals("MaxPoolV2")) {
                if (!"NHWC".equals(op.attributes().getAttrString("data_format"))
                        || !"VALID".equals(op.attributes().getAttrString("padding"))) {
                    return "max-pool '" + op.name() + "' is not NHWC VALID";
                }
                long[] ksize = op.type().equals("MaxPool") ? op.attributes().getAttrIntList("ksize")
                        : fetchInts(session, op.input(1));
                long[] strides = op.type().equals("MaxPool") ? op.attributes().getAttrIntList("strides")
                        : fetchInts(session, op.input(2));
                if (ksize.length != 4 || !Arrays.equals(ksize, strides) || ksize[0] != 1 || ksize[3] != 1
                        || ksize[1] != ksize[2] || ksize[1] < 1) {
                    return "max-pool '" + op.name() + "' ksize " + Arrays.toString(ksize) + " strides "
                            + Arrays.toString(strides) + " not [1,q,q,1] both";
                }
                q = (int) ksize[1];
                op = (GraphOperation) op.input(0).op();
            }
            if (!op.type().equals("Relu")) {
                return "'" + op.name() + "' (" + op.type() + ") where a conv layer's Relu was expected";
            }
            GraphOperation biasAdd = (GraphOperation) op.input(0).op();
            if (!biasAdd.type().equals("BiasAdd") || !"NHWC".equals(biasAdd.attributes().getAttrString("data_format"))) {
                return "conv layer without an NHWC BiasAdd before '" + op.name() + "'";
            }
            GraphOperation conv = (GraphOperation) biasAdd.input(0).op();
            if (!conv.type().equals("Conv2D") || !"NHWC".equals(conv.attributes().getAttrString("data_format"))) {
                return "'" + conv.name() + "' (" + conv.type() + ") is not an NHWC Conv2D";
            }
            long[] strides = conv.attributes().getAttrIntList("strides");
            long[] dilations = conv.attributes().getAttrIntList("dilations");
            String padding = conv.attributes().getAttrString("padding");
            if (strides.length != 4 || strides[0] != 1 || strides[3] != 1 || strides[1] != strides[2]
                    || strides[1] < 1 || !Arrays.equals(dilations, new long[] {1, 1, 1, 1})
                    || !(padding.equals("SAME") || padding.equals("VALID"))) {
                return "Conv2D '" + conv.name() + "' strides " + Arrays.toString(strides) + ", dilations "
                        + Arrays.toString(dilations) + ", padding " + padding + " not supported";
            }
            layers.add(new Object[] {conv, biasAdd, q});
            GraphOperation before = (GraphOperation) conv.input(0).op();
            if (before.name().equals(input.name())) {
                break;
            }
            op = before;
            if (layers.size() > 8) {
                return "more than 8 conv layers";
            }
        }
        int side = r;
        int cin = 1;
        for (int i = layers.size() - 1; i >= 0; i--) {
            GraphOperation conv = (GraphOperation) layers.get(i)[0];
            GraphOperation biasAdd = (GraphOperation) layers.get(i)[1];
            int q = (Integer) layers.get(i)[2];
            float[][] wb = new float[2][];
            Shape[] shapes = new Shape[2];
            fetch(session, new Output<?>[] {conv.input(1), biasAdd.input(1)}, wb, shapes);
            Shape ks = shapes[0];
            if (ks.numDimensions() != 4 || ks.get(0) != ks.get(1) || ks.get(2) != cin
                    || shapes[1].numDimensions() != 1 || shapes[1].get(0) != ks.get(3)) {
                return "Conv2D '" + conv.name() + "' filter " + ks + " / bias " + shapes[1] + " not [k,k," + cin
                        + ",F] / [F]";
            }
            int stride = (int) conv.attributes().getAttrIntList("strides")[1];
            boolean same = conv.attributes().getAttrString("padding").equals("SAME");
            int cs = convs.isEmpty() ? 1 : convs.get(convs.size() - 1).fp;
            Conv c = new Conv((int) ks.get(0), stride, cin, cs, (int) ks.get(3), side, same, q, wb[0], wb[1]);
            if (c.p < 1) {
                return "Conv2D '" + conv.name() + "' leaves no output at input side " + side;
            }
            convs.add(c);
            side = c.p;
            cin = c.cout;
        }
        return null;
    }

    /**
     * Runs the convs on the empty picture, every position computed, and keeps each later conv's output as its
     * {@code base} and every conv's pooled output as its {@code outBase}.
     */
    private void captureBase() {
        cnn(0, 0);
        for (int i = 0; i < convs.size(); i++) {
            if (i > 0) {
                convs.get(i).base = convs.get(i).conv.clone();
            }
            convs.get(i).outBase = convs.get(i).out.clone();
        }
    }

    /**
     * Lays the dense weights out for the vector kernels: fc1's rows follow the feature vector here (the CNN's
     * part is the graph's NHWC flattening with each position's channels padded to the vector width), every
     * layer's columns are padded.
     */
    private void layoutDense() {
        Dense fc = dense.get(0);
        int[] rowOf = new int[fc.in];
        int g = 0;
        int here = 0;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] == Part.CNN) {
                Conv last = convs.get(convs.size() - 1);
                for (int pos = 0; pos < last.p * last.p; pos++) {
                    for (int c = 0; c < last.cout; c++) {
                        rowOf[g + pos * last.cout + c] = here + pos * last.fp + c;
                    }
                }
            } else {
                for (int j = 0; j < partWidth[i]; j++) {
                    rowOf[g + j] = here + j;
                }
            }
            g += partWidth[i];
            here += layoutWidth[i];
        }
        fc.layout(rowOf, featureWidth);
        for (int l = 1; l < dense.size(); l++) {
            Dense d = dense.get(l);
            int[] identity = new int[d.in];
            for (int j = 0; j < d.in; j++) {
                identity[j] = j;
            }
            d.layout(identity, d.in);
        }
    }

    /**
     * The statistics start from expm1 of the log1p-normalised picture, which gives k ± rounding, and compare sums of
     * those against thresholds (half the packets, 0.5): to give the graph's answer on ties, the Java side uses the
     * very floats the graph's Expm1 computes for every count, read once here.
     */
    private String readExpm1Table(Graph graph, Session session, GraphOperation input) {
        GraphOperation expm1 = null;
        for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
            GraphOperation op = it.next();
            if (op.type().equals("Expm1") && op.name().startsWith("block_stats/")
                    && op.input(0).op().name().equals(input.name())) {
                expm1 = op;
            }
        }
        if (expm1 == null) {
            return "block statistics without an Expm1 of the input";
        }
        int pixels = r * r;
        int n = (EXPM1_TABLE + pixels - 1) / pixels;
        float[] in = new float[n * pixels];
        for (int i = 0; i < EXPM1_TABLE; i++) {
            in[i] = i == 0 ? 0f : (float) Math.log1p(i);
        }
        float[] table = new float[n * pixels];
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(n, r, r, 1), DataBuffers.of(in, true, false));
             Result res = session.runner().feed(input.name(), t).fetch(expm1.name(), 0).run()) {
            if (!(res.get(0) instanceof TFloat32 f) || f.shape().size() != table.length) {
                return "cannot read the graph's expm1";
            }
            f.copyTo(DataBuffers.of(table, false, false));
        }
        expm1Table = Arrays.copyOf(table, EXPM1_TABLE);
        return null;
    }

    private static void fetch(Session session, Output<?>[] outputs, float[][] values, Shape[] shapes) {
        Session.Runner runner = session.runner();
        for (Output<?> o : outputs) {
            runner.fetch(o);
        }
        try (Result res = runner.run()) {
            for (int i = 0; i < outputs.length; i++) {
                Tensor t = res.get(i);
                if (!(t instanceof TFloat32 f)) {
                    throw new IllegalStateException("'" + outputs[i].op().name() + "' is " + t.dataType() + ", not float");
                }
                shapes[i] = t.shape();
                values[i] = new float[(int) t.shape().size()];
                f.copyTo(DataBuffers.of(values[i], false, false));
            }
        }
    }

    private static long[] fetchInts(Session session, Output<?> x) {
        try (Result res = session.runner().fetch(x).run()) {
            if (!(res.get(0) instanceof TInt32 t) || t.shape().numDimensions() > 1) {
                return new long[0];
            }
            long[] v = new long[(int) Math.max(1, t.shape().size())];
            if (t.shape().numDimensions() == 0) {
                v[0] = t.getInt();
            } else {
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getInt(i);
                }
            }
            return v;
        }
    }

    private static String opName(String tensor) {
        int colon = tensor.lastIndexOf(':');
        return colon < 0 ? tensor : tensor.substring(0, colon);
    }

    private static Detection none(String reason) {
        return new Detection(null, reason);
    }

    // ------------------------------------------------------------------------------------------------ forward

    /**
     * Scores {@code n} images of raw counts ({@code n*R*R}, row-major) with their flow descriptors into
     * {@code scores[0 .. n*C)}, normalising as the classifier's TensorFlow path does ({@code norm} 0 none,
     * 1 log1p, 2 max).
     */
    void classify(float[] counts, float[] flows, int n, int norm, float[] scores) {
        int pixels = r * r;
        for (int img = 0; img < n; img++) {
            int nnz = cells.gather(counts, img * pixels, pixels);
            if (nzValue.length < nnz) {
                nzValue = new float[cells.index.length];
            }
            normalise(nnz, norm);
            this.norm = norm;
            int at = 0;
            for (int i = 0; i < parts.length; i++) {
                switch (parts[i]) {
                    case CNN -> cnn(nnz, at);
                    case STATS -> statistics(nnz, at);
                    case FLOW -> System.arraycopy(flows, img * FlowDescriptors.WIDTH, features, at, FlowDescriptors.WIDTH);
                }
                at += layoutWidth[i];
            }
            float[] x = features;
            int width = featureWidth;
            for (Dense l : dense) {
                l.run(x, width);
                x = l.y;
                width = l.out;
            }
            softmax(x, scores, img * classes);
        }
    }

    private void cnn(int nnz, int at) {
        Conv first = convs.get(0);
        first.runSparse(cells.index, nzValue, nnz, trackDirty);
        float[] x = first.out;
        long[] bits = trackDirty ? first.outBits : null;
        for (int i = 1; i < convs.size(); i++) {
            convs.get(i).run(x, bits);
            x = convs.get(i).out;
            bits = trackDirty ? convs.get(i).outBits : null;
        }
        System.arraycopy(x, 0, features, at, cnnWidth);
    }

    /** The classifier's normalisation (FlowPicClassifier.normalize), on the non-zero cells. */
    private void normalise(int nnz, int norm) {
        float inv = 1f;
        if (norm == 2) {
            float max = 0f;
            for (int i = 0; i < nnz; i++) {
                max = Math.max(max, cells.count[i]);
            }
            inv = max > 0 ? 1f / max : 0f;
        }
        for (int i = 0; i < nnz; i++) {
            float v = cells.count[i];
            nzValue[i] = switch (norm) {
                case 1 -> v > 0 ? log1p(v) : 0f;
                case 2 -> v * inv;
                default -> v;
            };
        }
    }

    /** {@code BlockStatistics.build}, term by term, on expm1 of the normalised picture. */
    private void statistics(int nnz, int at) {
        Arrays.fill(bySize, 0f);
        Arrays.fill(byTime, 0f);
        int occupied = 0;
        for (int i = 0; i < nnz; i++) {
            float x = nzValue[i];
            float c = expm1(x, cells.count[i]);
            int cell = cells.index[i];
            bySize[cell / r] += c;
            byTime[cell % r] += c;
            if (c - 0.5f > 0f) {
                occupied++;
            }
        }
        float n = 0f;
        for (int i = 0; i < r; i++) {
            n += bySize[i];
        }
        float safeN = Math.max(n, 1f);
        float rf = r;
        float[] f = features;
        f[at] = (float) Math.log1p(n) / 8f;
        float sizeMean = weighted(bySize, false) / safeN;
        f[at + 1] = sizeMean;
        f[at + 2] = std(bySize, sizeMean, safeN);
        int sizeFirst = firstOccupied(bySize);
        int sizeLast = lastOccupied(bySize);
        f[at + 3] = (rf - (sizeFirst < 0 ? 0f : r - sizeFirst)) / rf;
        f[at + 4] = (sizeLast < 0 ? 0f : sizeLast + 1) / rf;
        float cum = 0f;
        float half = n * 0.5f;
        int below = 0;
        for (int i = 0; i < r; i++) {
            cum += bySize[i];
            cumulative[i] = cum;
            if (half - cum > 0f) {
                below++;
            }
        }
        f[at + 5] = below / rf;
        float lg = 0f;
        float sm = 0f;
        for (int i = 0; i < r; i++) {
            if (large[i]) {
                lg += bySize[i];
            }
            if (small[i]) {
                sm += bySize[i];
            }
        }
        f[at + 6] = lg / safeN;
        f[at + 7] = sm / safeN;
        int timeFirst = firstOccupied(byTime);
        int timeLast = lastOccupied(byTime);
        float first = rf - (timeFirst < 0 ? 0f : r - timeFirst);
        float last = timeLast < 0 ? 0f : timeLast + 1;
        float span = Math.max(last - first, 1f);
        int active = 0;
        float maxTime = 0f;
        for (int i = 0; i < r; i++) {
            if (byTime[i] - 0.5f > 0f) {
                active++;
            }
            maxTime = Math.max(maxTime, byTime[i]);
        }
        f[at + 8] = first / rf;
        f[at + 9] = span / rf;
        f[at + 10] = active / rf;
        f[at + 11] = active / span;
        float timeMean = weighted(byTime, false) / safeN;
        f[at + 12] = timeMean;
        f[at + 13] = std(byTime, timeMean, safeN);
        f[at + 14] = maxTime / safeN;
        f[at + 15] = (float) Math.log1p(n / span) / 6f;
        f[at + 16] = (float) Math.log1p(n / Math.max((float) occupied, 1f)) / 4f;
    }

    private static float log1p(float v) {
        int i = (int) v;
        return i == v && i < LOG1P.length ? LOG1P[i] : (float) Math.log1p(v);
    }

    /** The graph's expm1 of a cell's normalised value {@code x}, which came from {@code count}. */
    private float expm1(float x, float count) {
        int i = (int) count;
        if (norm == 1 && expm1Table != null && i == count && i > 0 && i < expm1Table.length) {
            return expm1Table[i];
        }
        return (float) Math.expm1(x);
    }

    private float weighted(float[] marginal, boolean squared) {
        float s = 0f;
        for (int i = 0; i < r; i++) {
            float c = squared ? centre[i] * centre[i] : centre[i];
            s += marginal[i] * c;
        }
        return s;
    }

    private float std(float[] marginal, float mean, float safeN) {
        float second = weighted(marginal, true) / safeN;
        float v = second - mean * mean;
        return (float) Math.sqrt(v > 0f ? v : 0f);
    }

    private int firstOccupied(float[] m) {
        for (int i = 0; i < r; i++) {
            if (m[i] - 0.5f > 0f) {
                return i;
            }
        }
        return -1;
    }

    private int lastOccupied(float[] m) {
        for (int i = r - 1; i >= 0; i--) {
            if (m[i] - 0.5f > 0f) {
                return i;
            }
        }
        return -1;
    }

    private void softmax(float[] logits, float[] out, int at) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[c]);
        }
        float sum = 0f;
        for (int c = 0; c < classes; c++) {
            float e = (float) Math.exp(logits[c] - max);
            out[at + c] = e;
            sum += e;
        }
        for (int c = 0; c < classes; c++) {
            out[at + c] /= sum;
        }
    }
}
