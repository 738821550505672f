package io.flowpic.inference;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The arithmetic of {@link JavaForwardPass} with the JDK's Vector API ({@code jdk.incubator.vector}, JVM flag
 * {@code --add-modules=jdk.incubator.vector}, set in the root pom's {@code flowpic.jvm.flags}). Channels are the
 * vector lanes: activations are HWC with the channel count padded to a multiple of {@link #LANES} (padded
 * weights and biases are 0, so padded channels stay 0).
 *
 * <p>Why not plain loops: JDK 17's C2 vectorises {@code a[j] += w * b[j]} only when both arrays are indexed by the
 * bare loop variable; a convolution's shifted reads ({@code b[j + kw]}) and any offset stay scalar (measured
 * 0.25-0.6 ns per multiply-add with or without {@code -XX:-UseSuperWord}), ~5x slower than TensorFlow. Here one
 * broadcast input value times a vector of filter weights is one fused multiply-add for 8 filters, with the
 * accumulators of several output positions (4, 6 or 3: see {@link #conv}) held in registers.
 *
 * <p>Only touched when the module is present ({@link #available()}); otherwise the classifier stays with
 * TensorFlow and says why.
 */
final class VectorKernels {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int LANES = S.length();

    private VectorKernels() {
    }

    /** Whether the Vector API module is in the boot layer (the JVM was started with --add-modules). */
    static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    static int padded(int channels) {
        return (channels + LANES - 1) / LANES * LANES;
    }

    /**
     * Offsets of a conv window's taps, {@code (kh, kw, c)} in the weights' order, in an input zero-padded to width
     * {@code wp} with channel stride {@code cs}. One flat loop over taps lets C2 keep the accumulators in
     * registers (with the three nested loops it boxed every vector: 2.7 MB allocated per conv call, 40x slower).
     */
    static int[] taps(int k, int cin, int wp, int cs) {
        int[] t = new int[k * k * cin];
        int n = 0;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                for (int c = 0; c < cin; c++) {
                    t[n++] = (kh * wp + kw) * cs + c;
                }
            }
        }
        return t;
    }

    /**
     * Convolution, any stride, of the output positions set in {@code bits} (bit {@code ox} of {@code bits[oy]};
     * {@code null}: all; sides ≤ 64 when given): {@code out[(oy*o+ox)*fp + f] = Σ_t in[(oy*s*wp + ox*s)*cs + taps[t]]
     * * w[t*fp + f]} over an input already zero-padded to width {@code wp} with channel stride {@code cs}; no bias.
     * Positions go in blocks starting at the next set bit (moved left to fit the row): {@link #BLOCK_1} for ≤ 8
     * filters, {@link #BLOCK_2} for 9–16 ({@link #BLOCK_2_SHORT} for a run of ≤ 3 set bits), one at a time for more
     * filters or a row shorter than the block. A block may also compute a few unset positions; the caller must accept
     * their values there.
     */
    static void conv(float[] in, int wp, int cs, int[] taps, int s, float[] w, int fp, float[] out, int o,
                     long[] bits) {
        int vecs = fp / LANES;
        for (int oy = 0; oy < o; oy++) {
            int ox = 0;
            while (ox < o) {
                int next = ox;
                if (bits != null) {
                    long rest = bits[oy] & (-1L << ox);
                    if (rest == 0) {
                        break;
                    }
                    next = Long.numberOfTrailingZeros(rest);
                }
                if (vecs == 1 && o >= BLOCK_1) {
                    int start = Math.min(next, o - BLOCK_1);
                    block1(in, wp, cs, taps, s, w, out, o, oy, start);
                    ox = start + BLOCK_1;
                } else if (vecs == 2 && o >= BLOCK_2) {
                    // a short dirty run (≤ 3, e.g. the edge of a packet row's reach) costs half a block of 6 this way
                    int run = bits == null ? o - next : Math.min(Long.numberOfTrailingZeros(~(bits[oy] >>> next)), o - next);
                    if (run > BLOCK_2_SHORT) {
                        int start = Math.min(next, o - BLOCK_2);
                        block2(in, wp, cs, taps, s, w, out, o, oy, start);
                        ox = start + BLOCK_2;
                    } else {
                        int start = Math.min(next, o - BLOCK_2_SHORT);
                        block2Short(in, wp, cs, taps, s, w, out, o, oy, start);
                        ox = start + BLOCK_2_SHORT;
                    }
                } else {
                    convPosition(in, wp, cs, taps, s, w, fp, out, o, oy, next);
                    ox = next + 1;
                }
            }
        }
    }

    static final int BLOCK_1 = 4;
    static final int BLOCK_2 = 6;
    static final int BLOCK_2_SHORT = 3;

    /** Up to 8 filters: {@link #BLOCK_1} output positions, one accumulator each. */
    private static void block1(float[] in, int wp, int cs, int[] taps, int s, float[] w, float[] out, int o,
                               int oy, int ox) {
        int step = s * cs;
        int nt = taps.length;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        int ib = (oy * s * wp + ox * s) * cs;
        for (int t = 0; t < nt; t++) {
            FloatVector wv = FloatVector.fromArray(S, w, t * LANES);
            int i = ib + taps[t];
            a0 = FloatVector.broadcast(S, in[i]).fma(wv, a0);
            a1 = FloatVector.broadcast(S, in[i + step]).fma(wv, a1);
            a2 = FloatVector.broadcast(S, in[i + 2 * step]).fma(wv, a2);
            a3 = FloatVector.broadcast(S, in[i + 3 * step]).fma(wv, a3);
        }
        int ob = (oy * o + ox) * LANES;
        a0.intoArray(out, ob);
        a1.intoArray(out, ob + LANES);
        a2.intoArray(out, ob + 2 * LANES);
        a3.intoArray(out, ob + 3 * LANES);
    }

    /**
     * 9 to 16 filters: {@link #BLOCK_2} output positions x 2 vectors of filters, 12 accumulators in registers (with
     * the 2 weight vectors and a broadcast, 15 of AVX2's 16): each tap's loads serve 12 multiply-adds (4 positions
     * served 8, and this loop is bound by its loads and index arithmetic, not by the multiply-adds).
     */
    private static void block2(float[] in, int wp, int cs, int[] taps, int s, float[] w, float[] out, int o,
                               int oy, int ox) {
        int step = s * cs;
        int fp = 2 * LANES;
        int nt = taps.length;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S);
        FloatVector a5 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        FloatVector b3 = FloatVector.zero(S);
        FloatVector b4 = FloatVector.zero(S);
        FloatVector b5 = FloatVector.zero(S);
        int ib = (oy * s * wp + ox * s) * cs;
        for (int t = 0; t < nt; t++) {
            int wb = t * fp;
            FloatVector wa = FloatVector.fromArray(S, w, wb);
            FloatVector wbv = FloatVector.fromArray(S, w, wb + LANES);
            int i = ib + taps[t];
            FloatVector x = FloatVector.broadcast(S, in[i]);
            a0 = x.fma(wa, a0);
            b0 = x.fma(wbv, b0);
            x = FloatVector.broadcast(S, in[i + step]);
            a1 = x.fma(wa, a1);
            b1 = x.fma(wbv, b1);
            x = FloatVector.broadcast(S, in[i + 2 * step]);
            a2 = x.fma(wa, a2);
            b2 = x.fma(wbv, b2);
            x = FloatVector.broadcast(S, in[i + 3 * step]);
            a3 = x.fma(wa, a3);
            b3 = x.fma(wbv, b3);
            x = FloatVector.broadcast(S, in[i + 4 * step]);
            a4 = x.fma(wa, a4);
            b4 = x.fma(wbv, b4);
            x = FloatVector.broadcast(S, in[i + 5 * step]);
            a5 = x.fma(wa, a5);
            b5 = x.fma(wbv, b5);
        }
        int ob = (oy * o + ox) * fp;
        a0.intoArray(out, ob);
        b0.intoArray(out, ob + LANES);
        a1.intoArray(out, ob + fp);
        b1.intoArray(out, ob + fp + LANES);
        a2.intoArray(out, ob + 2 * fp);
        b2.intoArray(out, ob + 2 * fp + LANES);
        a3.intoArray(out, ob + 3 * fp);
        b3.intoArray(out, ob + 3 * fp + LANES);
        a4.intoArray(out, ob + 4 * fp);
        b4.intoArray(out, ob + 4 * fp + LANES);
        a5.intoArray(out, ob + 5 * fp);
        b5.intoArray(out, ob + 5 * fp + LANES);
    }

    /** {@link #block2} for {@link #BLOCK_2_SHORT} positions (6 accumulators). */
    private static void block2Short(float[] in, int wp, int cs, int[] taps, int s, float[] w, float[] out, int o,
                                    int oy, int ox) {
        int step = s * cs;
        int fp = 2 * LANES;
        int nt = taps.length;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S);
        FloatVector b1 = FloatVector.zero(S);
        FloatVector b2 = FloatVector.zero(S);
        int ib = (oy * s * wp + ox * s) * cs;
        for (int t = 0; t < nt; t++) {
            int wb = t * fp;
            FloatVector wa = FloatVector.fromArray(S, w, wb);
            FloatVector wbv = FloatVector.fromArray(S, w, wb + LANES);
            int i = ib + taps[t];
            FloatVector x = FloatVector.broadcast(S, in[i]);
            a0 = x.fma(wa, a0);
            b0 = x.fma(wbv, b0);
            x = FloatVector.broadcast(S, in[i + step]);
            a1 = x.fma(wa, a1);
            b1 = x.fma(wbv, b1);
            x = FloatVector.broadcast(S, in[i + 2 * step]);
            a2 = x.fma(wa, a2);
            b2 = x.fma(wbv, b2);
        }
        int ob = (oy * o + ox) * fp;
        a0.intoArray(out, ob);
        b0.intoArray(out, ob + LANES);
        a1.intoArray(out, ob + fp);
        b1.intoArray(out, ob + fp + LANES);
        a2.intoArray(out, ob + 2 * fp);
        b2.intoArray(out, ob + 2 * fp + LANES);
    }

    /** One output position, every filter, accumulating in {@code out}. */
    private static void convPosition(float[] in, int wp, int cs, int[] taps, int s, float[] w, int fp,
                                     float[] out, int o, int oy, int ox) {
        int ob = (oy * o + ox) * fp;
        for (int v = 0; v < fp; v += LANES) {
            FloatVector.zero(S).intoArray(out, ob + v);
        }
        int ib = (oy * s * wp + ox * s) * cs;
        for (int t = 0; t < taps.length; t++) {
            float x = in[ib + taps[t]];
            if (x != 0f) {
                axpy(out, ob, x, w, t * fp, fp);
            }
        }
    }

    /** {@code acc[at .. at+n) += x * w[wb .. wb+n)}, {@code n} a multiple of {@link #LANES}. */
    static void axpy(float[] acc, int at, float x, float[] w, int wb, int n) {
        FloatVector xv = FloatVector.broadcast(S, x);
        for (int v = 0; v < n; v += LANES) {
            xv.fma(FloatVector.fromArray(S, w, wb + v), FloatVector.fromArray(S, acc, at + v)).intoArray(acc, at + v);
        }
    }

    /**
     * Max-pool q x q (VALID) of {@code conv [o][o][fp]}, then + bias and relu, into {@code out [p][p][fp]};
     * relu(max + b) = max(relu(x + b)) since both are monotone. Written without vector phis (a vector merged by a
     * loop or a conditional is boxed by JDK 17's C2): 1x1 and 2x2 pools as straight code, others by lane. Outputs
     * whose bit in {@code bits} is clear ({@code bits} null: none) are the empty picture's, copied from {@code base}
     * (pools larger than 2 x 2 compute every output).
     */
    static void poolBiasRelu(float[] conv, int o, int fp, int q, float[] bias, float[] out, int p, long[] bits,
                             float[] base) {
        if (q > 2) {
            poolScalar(conv, o, fp, q, bias, out, p);
            return;
        }
        FloatVector zero = FloatVector.zero(S);
        int right = fp;
        int down = o * fp;
        for (int py = 0; py < p; py++) {
            long row = bits == null ? -1L : bits[py];
            for (int px = 0; px < p; px++) {
                int at = (py * p + px) * fp;
                if (bits != null && (row & (1L << px)) == 0) {
                    System.arraycopy(base, at, out, at, fp);
                    continue;
                }
                int cell = ((py * q) * o + px * q) * fp;
                for (int v = 0; v < fp; v += LANES) {
                    int c = cell + v;
                    FloatVector m = FloatVector.fromArray(S, conv, c);
                    if (q == 2) {
                        m = m.max(FloatVector.fromArray(S, conv, c + right))
                                .max(FloatVector.fromArray(S, conv, c + down))
                                .max(FloatVector.fromArray(S, conv, c + down + right));
                    }
                    m.add(FloatVector.fromArray(S, bias, v)).max(zero).intoArray(out, at + v);
                }
            }
        }
    }

    private static void poolScalar(float[] conv, int o, int fp, int q, float[] bias, float[] out, int p) {
        for (int py = 0; py < p; py++) {
            for (int px = 0; px < p; px++) {
                int base = ((py * q) * o + px * q) * fp;
                for (int f = 0; f < fp; f++) {
                    float m = conv[base + f];
                    for (int dy = 0; dy < q; dy++) {
                        for (int dx = 0; dx < q; dx++) {
                            m = Math.max(m, conv[base + (dy * o + dx) * fp + f]);
                        }
                    }
                    float y = m + bias[f];
                    out[(py * p + px) * fp + f] = y > 0f ? y : 0f;
                }
            }
        }
    }

    /**
     * {@code y[0 .. outP) = Σ_i x[i] * w[i*outP ..]} over the non-zero inputs only (relu outputs often are 0),
     * compacted once into {@code idx}/{@code val}; the outputs go four vectors at a time with their accumulators in
     * registers, so y is written once instead of loaded and stored for every input.
     */
    static void matVec(float[] x, int in, float[] w, int outP, float[] y, int[] idx, float[] val) {
        int m = 0;
        for (int i = 0; i < in; i++) {
            float xi = x[i];
            if (xi != 0f) {
                idx[m] = i * outP;
                val[m++] = xi;
            }
        }
        int v = 0;
        for (; v + 4 * LANES <= outP; v += 4 * LANES) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int j = 0; j < m; j++) {
                FloatVector xb = FloatVector.broadcast(S, val[j]);
                int wb = idx[j] + v;
                a0 = xb.fma(FloatVector.fromArray(S, w, wb), a0);
                a1 = xb.fma(FloatVector.fromArray(S, w, wb + LANES), a1);
                a2 = xb.fma(FloatVector.fromArray(S, w, wb + 2 * LANES), a2);
                a3 = xb.fma(FloatVector.fromArray(S, w, wb + 3 * LANES), a3);
            }
            a0.intoArray(y, v);
            a1.intoArray(y, v + LANES);
            a2.intoArray(y, v + 2 * LANES);
            a3.intoArray(y, v + 3 * LANES);
        }
        for (; v + 2 * LANES <= outP; v += 2 * LANES) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            for (int j = 0; j < m; j++) {
                FloatVector xb = FloatVector.broadcast(S, val[j]);
                int wb = idx[j] + v;
                a0 = xb.fma(FloatVector.fromArray(S, w, wb), a0);
                a1 = xb.fma(FloatVector.fromArray(S, w, wb + LANES), a1);
            }
            a0.intoArray(y, v);
            a1.intoArray(y, v + LANES);
        }
        for (; v < outP; v += LANES) {
            FloatVector a0 = FloatVector.zero(S);
            for (int j = 0; j < m; j++) {
                a0 = FloatVector.broadcast(S, val[j]).fma(FloatVector.fromArray(S, w, idx[j] + v), a0);
            }
            a0.intoArray(y, v);
        }
    }

    /** {@code y = y + b}, relu if asked, on padded vectors. */
    static void biasRelu(float[] y, float[] bias, int outP, boolean relu) {
        // no conditional on a vector value: C2 would box it
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        for (int v = 0; v < outP; v += LANES) {
            FloatVector.fromArray(S, y, v).add(FloatVector.fromArray(S, bias, v)).max(floor).intoArray(y, v);
        }
    }
}
