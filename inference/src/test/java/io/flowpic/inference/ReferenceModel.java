package io.flowpic.inference;

/**
 * Plain-Java re-implementation of the fixed-weight FlowPic graph (SAME conv + bias + relu, flatten NHWC,
 * dense + bias, softmax) and of the metadata normalisations, computed in double. Independent of TF.
 */
final class ReferenceModel {
    private ReferenceModel() {
    }

    static double[] normalize(String normalization, float[] counts, int offset, int pixels) {
        double[] x = new double[pixels];
        double max = 0;
        for (int i = 0; i < pixels; i++) {
            max = Math.max(max, counts[offset + i]);
        }
        for (int i = 0; i < pixels; i++) {
            double v = counts[offset + i];
            x[i] = switch (normalization) {
                case "none" -> v;
                case "log1p" -> Math.log(1 + v);
                case "max" -> max > 0 ? v / max : 0;
                default -> throw new IllegalArgumentException(normalization);
            };
        }
        return x;
    }

    /** Scores for one image given its already normalised R*R pixels (row-major). */
    static double[] forward(FixedWeightModelWriter.Weights w, double[] x) {
        int r = w.resolution(), k = w.kernel(), s = w.stride(), f = w.filters(), o = w.out(), c = w.classes();
        int padTotal = Math.max((o - 1) * s + k - r, 0);
        int padBefore = padTotal / 2;
        double[] feat = new double[o * o * f];
        for (int oy = 0; oy < o; oy++) {
            for (int ox = 0; ox < o; ox++) {
                for (int fi = 0; fi < f; fi++) {
                    double acc = w.convBias()[fi];
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * s + ky - padBefore;
                        if (iy < 0 || iy >= r) {
                            continue;
                        }
                        for (int kx = 0; kx < k; kx++) {
                            int ix = ox * s + kx - padBefore;
                            if (ix < 0 || ix >= r) {
                                continue;
                            }
                            // kernel layout [ky][kx][in=1][f]
                            acc += x[iy * r + ix] * w.convKernel()[(ky * k + kx) * f + fi];
                        }
                    }
                    feat[(oy * o + ox) * f + fi] = Math.max(acc, 0);
                }
            }
        }
        double[] logits = new double[c];
        for (int j = 0; j < c; j++) {
            logits[j] = w.denseBias()[j];
        }
        for (int d = 0; d < feat.length; d++) {
            double v = feat[d];
            if (v == 0) {
                continue;
            }
            int base = d * c;
            for (int j = 0; j < c; j++) {
                logits[j] += v * w.denseKernel()[base + j];
            }
        }
        double m = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            m = Math.max(m, l);
        }
        double sum = 0;
        double[] p = new double[c];
        for (int j = 0; j < c; j++) {
            p[j] = Math.exp(logits[j] - m);
            sum += p[j];
        }
        for (int j = 0; j < c; j++) {
            p[j] /= sum;
        }
        return p;
    }
}
