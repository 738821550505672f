package io.flowpic.inference;

import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded FlowPic SavedModel ready to classify batches of R x R count images.
 *
 * <p>{@link #classify} is synchronized (one session call at a time per instance); it reuses its staging
 * buffer and input tensors across calls (input tensors, or with the sparse first layer the fed layer-output
 * tensors, are cached for the {@value #TENSOR_CACHE} most recently used batch sizes). Close the classifier to
 * free native memory.
 *
 * <p><b>Sparse first layer.</b> FlowPics are extremely sparse (a full-size 1500 x 1500 image has 2.25 M cells,
 * of which hundreds to a few thousand are non-zero), and in the FlowPic networks the first layer (conv + bias +
 * relu + max-pool) is most of the arithmetic: 90 M multiply-adds per image of the ~110 M of the R = 1500 net.
 * When the model's graph starts with that layer in the expected form (see {@link SparseFirstLayer}), the
 * classifier computes it in Java from the non-zero cells only, with the weights read from the loaded SavedModel,
 * and feeds its output tensor to the session in place of the image, so TensorFlow runs only the layers after it.
 * Before using it, {@link #load} checks it against the dense graph on probe images and falls back to the dense
 * path if the graph does not match or the results differ beyond float tolerance; {@link #firstLayer()} says
 * which path is in use and why.
 *
 * <p>It is used by default ({@link FirstLayerMode#AUTO}) only where it pays: when the dense first layer costs at
 * least {@value #SPARSE_MIN_DENSE_MACS} multiply-adds per image. Measured (bench/RESULTS.md, section 3): the
 * R = 1500 FlowPic net (90 M) classifies 6-16x more images per CPU-second with it; the R = 32 mini net (0.15 M;
 * a 32 x 32 FlowPic of 200 packets is ~18 % non-zero, not sparse) about 2x more at batch 1 but 1.7-2.7x fewer
 * at batch 16 and more, where TensorFlow's vectorised dense conv beats the scalar Java scatter and the fed
 * pooled tensor is 1.5x the size of the image.
 *
 * <p><b>Java forward pass.</b> For the small nets ({@link Engine#AUTO}: at most {@value #JAVA_MAX_MACS}
 * multiply-adds per image, e.g. the default R = 32 model's 0.58 M) the whole network runs in plain Java with the
 * SavedModel's weights ({@link JavaForwardPass}): 1.2-3.4x the images per CPU-second of TensorFlow with oneDNN at
 * batch 16-256, 10-13x at batch 1 (bench/RESULTS.md, section 3). It is used only if the graph has the trainer's structure and, at load, its scores equal the
 * SavedModel's within {@value #JAVA_TOLERANCE} on probe inputs; otherwise TensorFlow classifies and
 * {@link #engine()} says why (a numerical disagreement is also logged as a warning).
 */
public final class FlowPicClassifier implements AutoCloseable {

    public static final String TAG = "serve";
    /** {@link FirstLayerMode#AUTO} uses the sparse first layer only if the dense one costs at least this. */
    public static final long SPARSE_MIN_DENSE_MACS = 10_000_000L;

    /** Whether the first layer is computed sparsely in Java (see the class comment). */
    public enum FirstLayerMode {
        /** Sparse where the graph allows it and the dense first layer is expensive (the default). */
        AUTO,
        /** Sparse wherever the graph allows it (benchmarks, tests). */
        SPARSE,
        /** Always TensorFlow's dense graph. */
        DENSE
    }
    static final int TENSOR_CACHE = 4;

    /** Who computes the scores (see the class comment). */
    public enum Engine {
        /** The Java forward pass where the graph allows it, it agrees with TensorFlow and the net is small. */
        AUTO,
        /** The Java forward pass wherever the graph allows it and it agrees with TensorFlow (benchmarks, tests). */
        JAVA,
        /** Always TensorFlow. */
        TENSORFLOW
    }

    /** {@link Engine#AUTO} uses the Java forward pass only for nets of at most this many multiply-adds per image. */
    public static final long JAVA_MAX_MACS = 20_000_000L;
    /** Largest score difference from the SavedModel the load-time check of the Java forward pass accepts. */
    public static final float JAVA_TOLERANCE = 1e-5f;
    private static final System.Logger LOG = System.getLogger(FlowPicClassifier.class.getName());

    private final Path modelDir;
    private final ModelMetadata metadata;
    private final SavedModelBundle bundle;
    private final Session session;
    private final String inputTensor;
    private final String outputTensor;
    /** Graph tensor of the second input (flow descriptors), or null for picture-only models. */
    private final String flowTensor;
    private final int pixels;
    private final int classes;
    private final int norm; // 0 none, 1 log1p, 2 max

    private float[] staging = new float[0];
    private FloatDataBuffer stagingBuffer = DataBuffers.of(staging, false, false);
    /** Input tensors by batch size (image-shaped, or the first layer's output with the sparse path). */
    private final Map<Integer, TFloat32> inputs = tensorCache();
    /** Flow-descriptor tensors by batch size (models with a second input only). */
    private final Map<Integer, TFloat32> flowInputs = tensorCache();
    private boolean closed;
    /** Non-null when the first layer is computed in Java (see the class comment). */
    private SparseFirstLayer sparse;
    private String firstLayer = "dense";
    private float[] sparseStaging = new float[0];
    /** Non-null when the whole net runs in Java (see the class comment). */
    private JavaForwardPass javaPass;
    /** Off only while the load-time check compares the Java pass with TensorFlow on raw scores. */
    private boolean calibrating = true;
    private String engine = "tensorflow";

    private FlowPicClassifier(Path modelDir, ModelMetadata metadata, SavedModelBundle bundle,
                              String inputTensor, String outputTensor, String flowTensor) {
        this.modelDir = modelDir;
        this.metadata = metadata;
        this.bundle = bundle;
        this.session = bundle.session();
        this.inputTensor = inputTensor;
        this.outputTensor = outputTensor;
        this.flowTensor = flowTensor;
        this.pixels = metadata.resolution() * metadata.resolution();
        this.classes = metadata.numClasses();
        this.norm = switch (metadata.normalization()) {
            case "none" -> 0;
            case "log1p" -> 1;
            case "max" -> 2;
            default -> throw new IllegalStateException("unreachable: " + metadata.normalization());
        };
    }

    /**
     * Loads the SavedModel (tag {@code serve}) and {@value ModelMetadata#FILE_NAME} from {@code modelDir}, checks
     * that the metadata's signature exists with input {@code [-1,R,R,1]} float and output {@code [-1,C]} float,
     * and runs one warm-up inference.
     *
     * @throws ModelException naming the directory/file and the problem
     */
    public static FlowPicClassifier load(Path modelDir) throws ModelException {
        return load(modelDir, 0);
    }

    /**
     * As {@link #load(Path)}, but limits TensorFlow's intra-op and inter-op thread pools to
     * {@code threads} threads each ({@code 0} = TensorFlow default, i.e. all cores). Useful on small sensors
     * where capture threads must keep their cores.
     */
    public static FlowPicClassifier load(Path modelDir, int threads) throws ModelException {
        return load(modelDir, threads, FirstLayerMode.AUTO, Engine.AUTO);
    }

    /**
     * As {@link #load(Path, int)} with a choice of first-layer path (see the class comment); the sparse path is
     * used only where the graph allows it and after it has passed its load-time check against the dense graph.
     * An explicit {@code SPARSE} or {@code DENSE} asks for TensorFlow ({@link Engine#TENSORFLOW}); {@code AUTO} also
     * considers the Java forward pass ({@link Engine#AUTO}).
     */
    public static FlowPicClassifier load(Path modelDir, int threads, FirstLayerMode firstLayer) throws ModelException {
        return load(modelDir, threads, firstLayer, firstLayer == FirstLayerMode.AUTO ? Engine.AUTO : Engine.TENSORFLOW);
    }

    /** As {@link #load(Path, int, FirstLayerMode)} with a choice of engine (see the class comment). */
    public static FlowPicClassifier load(Path modelDir, int threads, FirstLayerMode firstLayer, Engine engine)
            throws ModelException {
        return load(modelDir, threads, firstLayer, engine, null);
    }

    /** {@code tamper} (tests only) may change the Java forward pass before its load-time check. */
    static FlowPicClassifier load(Path modelDir, int threads, FirstLayerMode firstLayer, Engine engine,
                                  java.util.function.Consumer<JavaForwardPass> tamper) throws ModelException {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(firstLayer, "firstLayer");
        if (threads < 0) {
            throw new IllegalArgumentException("threads < 0: " + threads);
        }
        if (!Files.isDirectory(modelDir)) {
            throw new ModelException(modelDir + ": model directory does not exist or is not a directory");
        }
        if (!Files.isRegularFile(modelDir.resolve("saved_model.pb"))) {
            throw new ModelException(modelDir + ": no saved_model.pb (not a SavedModel directory)");
        }
        ModelMetadata md = ModelMetadata.read(modelDir);
        SavedModelBundle bundle;
        try {
            SavedModelBundle.Loader loader = SavedModelBundle.loader(modelDir.toString()).withTags(TAG);
            if (threads > 0) {
                loader.withConfigProto(ConfigProto.newBuilder()
                        .setIntraOpParallelismThreads(threads)
                        .setInterOpParallelismThreads(threads)
                        .build());
            }
            bundle = loader.load();
        } catch (RuntimeException e) {
            throw new ModelException(modelDir + ": cannot load SavedModel with tag '" + TAG + "': " + e.getMessage(), e);
        }
        try {
            Signature sig = bundle.signatures().stream()
                    .filter(s -> s.key().equals(md.signature()))
                    .findFirst()
                    .orElseThrow(() -> new ModelException(modelDir + ": signature '" + md.signature()
                            + "' (from " + ModelMetadata.FILE_NAME + ") not in SavedModel; available: "
                            + bundle.signatures().stream().map(Signature::key).toList()));
            int r = md.resolution();
            Signature.TensorDescription in = describe(modelDir, sig, sig.getInputs(), "input", md.inputName());
            check(modelDir, md, "input", md.inputName(), in, Shape.of(-1, r, r, 1));
            Signature.TensorDescription out = describe(modelDir, sig, sig.getOutputs(), "output", md.outputName());
            check(modelDir, md, "output", md.outputName(), out, Shape.of(-1, md.numClasses()));
            String flow = null;
            if (md.flowInputName() != null) {
                Signature.TensorDescription f = describe(modelDir, sig, sig.getInputs(), "flow input", md.flowInputName());
                check(modelDir, md, "flow input", md.flowInputName(), f, Shape.of(-1, FlowDescriptors.WIDTH));
                flow = f.name;
            }
            FlowPicClassifier c = new FlowPicClassifier(modelDir, md, bundle, in.name, out.name, flow);
            try {
                c.classify(new float[r * r], new float[FlowDescriptors.WIDTH], 1, new float[md.numClasses()]);
            } catch (RuntimeException e) {
                c.inputs.values().forEach(TFloat32::close); // the bundle itself is closed below
                c.inputs.clear();
                c.flowInputs.values().forEach(TFloat32::close);
                c.flowInputs.clear();
                throw new ModelException(modelDir + ": warm-up inference failed: " + e.getMessage(), e);
            }
            if (firstLayer == FirstLayerMode.DENSE) {
                c.firstLayer = "dense (FirstLayerMode.DENSE)";
            } else {
                c.trySparse(firstLayer);
            }
            if (engine != Engine.TENSORFLOW) {
                c.tryJava(engine, tamper);
            }
            return c;
        } catch (ModelException | RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    private static Signature.TensorDescription describe(Path dir, Signature sig,
                                                        Map<String, Signature.TensorDescription> map,
                                                        String kind, String name) throws ModelException {
        Signature.TensorDescription d = map.get(name);
        if (d == null) {
            throw new ModelException(dir + ": signature '" + sig.key() + "' has no " + kind + " '" + name
                    + "' (" + kind + "Name in " + ModelMetadata.FILE_NAME + "); available: " + map.keySet());
        }
        return d;
    }

    private static void check(Path dir, ModelMetadata md, String kind, String name,
                              Signature.TensorDescription d, Shape expected) throws ModelException {
        if (d.dataType != DataType.DT_FLOAT) {
            throw new ModelException(dir + ": " + kind + " '" + name + "' has dtype " + d.dataType
                    + ", expected DT_FLOAT");
        }
        if (d.shape == null || d.shape.isUnknown() || !Arrays.equals(expected.asArray(), d.shape.asArray())) {
            throw new ModelException(dir + ": " + kind + " '" + name + "' shape mismatch: graph has " + d.shape
                    + " but " + ModelMetadata.FILE_NAME + " (resolution=" + md.resolution() + ", labels="
                    + md.numClasses() + ") implies " + expected);
        }
    }

    /**
     * Detects the sparse first layer, checks it against the dense graph on probe images and switches to it if
     * they agree; otherwise stays dense and records why in {@link #firstLayer}.
     */
    private void trySparse(FirstLayerMode mode) {
        int r = metadata.resolution();
        SparseFirstLayer.Detection d = SparseFirstLayer.detect(bundle.graph(), session, inputTensor, r);
        if (d.layer() == null) {
            firstLayer = "dense (" + d.reason() + ")";
            return;
        }
        SparseFirstLayer layer = d.layer();
        if (mode == FirstLayerMode.AUTO && layer.denseMultiplyAdds() < SPARSE_MIN_DENSE_MACS) {
            firstLayer = "dense (the dense first layer costs only " + layer.denseMultiplyAdds()
                    + " multiply-adds per image; AUTO computes it sparsely from " + SPARSE_MIN_DENSE_MACS + ")";
            return;
        }
        int n = 2;
        float[] probe = probeImages(r, n);
        float[] normalized = probe;
        if (norm != 0) {
            normalized = new float[n * pixels];
            normalize(probe, n, normalized);
        }
        float[] expected = new float[n * layer.outputSize()];
        float[] actual = new float[expected.length];
        try (TFloat32 in = TFloat32.tensorOf(Shape.of(n, r, r, 1), DataBuffers.of(normalized, true, false));
             Result res = session.runner().feed(inputTensor, in).fetch(layer.feedOp(), 0).run()) {
            Tensor t = res.get(0);
            if (!(t instanceof TFloat32 f) || !t.shape().equals(layer.shape(n))) {
                firstLayer = "dense ('" + layer.feedOp() + "' is " + t.dataType() + " " + t.shape() + ", expected "
                        + layer.shape(n) + ")";
                return;
            }
            f.copyTo(DataBuffers.of(expected, false, false));
        } catch (RuntimeException e) {
            firstLayer = "dense (cannot evaluate '" + layer.feedOp() + "': " + e.getMessage() + ")";
            return;
        }
        layer.compute(probe, n, norm, actual);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= 1e-4f * (1f + Math.abs(expected[i])))) {
                firstLayer = "dense (sparse first layer differs from the graph at element " + i + ": "
                        + actual[i] + " vs " + expected[i] + ")";
                return;
            }
        }
        inputs.values().forEach(TFloat32::close); // image-shaped tensors of the dense warm-up
        inputs.clear();
        staging = new float[0]; // the dense path's normalised images (9 MB per image at R = 1500) are not needed
        stagingBuffer = DataBuffers.of(staging, false, false);
        sparse = layer;
        firstLayer = layer.toString();
    }

    /**
     * Detects the Java forward pass, checks its scores against the SavedModel's on probe inputs and switches to it
     * if they agree within {@link #JAVA_TOLERANCE}; otherwise stays with TensorFlow and records why in
     * {@link #engine}.
     */
    private void tryJava(Engine mode, java.util.function.Consumer<JavaForwardPass> tamper) {
        if (!VectorKernels.available()) {
            engine = "tensorflow (the java forward pass needs the JVM flag --add-modules=jdk.incubator.vector)";
            return;
        }
        JavaForwardPass.Detection d = JavaForwardPass.detect(bundle.graph(), session, inputTensor, flowTensor,
                outputTensor, metadata.resolution());
        if (d.pass() == null) {
            engine = "tensorflow (no java forward pass: " + d.reason() + ")";
            return;
        }
        JavaForwardPass pass = d.pass();
        if (mode == Engine.AUTO && pass.multiplyAdds() > JAVA_MAX_MACS) {
            engine = "tensorflow (the net costs " + pass.multiplyAdds() + " multiply-adds per image; AUTO runs it in"
                    + " Java up to " + JAVA_MAX_MACS + ")";
            return;
        }
        if (pass.classes() != classes) {
            engine = "tensorflow (java forward pass has " + pass.classes() + " outputs, metadata " + classes + ")";
            return;
        }
        if (tamper != null) {
            tamper.accept(pass);
        }
        int r = metadata.resolution();
        int n = JavaProbes.COUNT;
        float[] probe = JavaProbes.images(r);
        float[] flows = JavaProbes.flows();
        float[] expected = new float[n * classes];
        float[] actual = new float[n * classes];
        try {
            // Raw scores on both sides: a large calibration temperature flattens scores and would hide a wrong weight.
            calibrating = false;
            classify(probe, flows, n, expected); // TensorFlow: the pass is not in use yet
            pass.classify(probe, flows, n, norm, actual);
        } catch (RuntimeException e) {
            calibrating = true;
            engine = "tensorflow (java forward pass failed on the probe inputs: " + e + ")";
            LOG.log(System.Logger.Level.WARNING, modelDir + ": " + engine);
            return;
        }
        calibrating = true;
        float worst = 0f;
        int at = 0;
        for (int i = 0; i < expected.length; i++) {
            // both NaN is agreement (a model whose statistics overflow on a probe, e.g. expm1 of raw counts)
            float diff = Float.isNaN(expected[i]) && Float.isNaN(actual[i]) ? 0f : Math.abs(expected[i] - actual[i]);
            if (!(diff <= worst)) { // NaN too
                worst = Float.isNaN(diff) ? Float.POSITIVE_INFINITY : diff;
                at = i;
            }
        }
        if (!(worst <= JAVA_TOLERANCE)) {
            engine = "tensorflow (java forward pass differs from the SavedModel by " + worst + " > " + JAVA_TOLERANCE
                    + " at probe " + at / classes + " class " + at % classes + ": " + actual[at] + " vs "
                    + expected[at] + ")";
            LOG.log(System.Logger.Level.WARNING, modelDir + ": " + engine);
            return;
        }
        javaPass = pass;
        engine = pass + "; checked against the SavedModel on " + n + " probe inputs, max score difference " + worst;
    }

    /**
     * A task that runs the Java forward pass on the probe pictures for about {@code budgetNanos}, on a pass of its
     * own: C2 compiles methods, not instances, so running it on another thread while this classifier already
     * serves makes the serving pass fast sooner. Until C2 has compiled the vector kernels they run tens of times
     * slower; live, the first seconds of blocks queued behind them (block end to journal p99 757–837 ms over a
     * 75 s run whose later blocks all took ≤ 50 ms, bench/RESULTS.md section 11). Building the task reads the
     * weights through the session (so it is synchronized with classify and refused once closed); running it
     * touches nothing of this classifier. {@code null} on TensorFlow.
     *
     * @throws IllegalStateException if closed
     */
    public synchronized Runnable warmUp(long budgetNanos) {
        if (closed) {
            throw new IllegalStateException("classifier for " + modelDir + " is closed");
        }
        if (javaPass == null) {
            return null;
        }
        JavaForwardPass pass = JavaForwardPass.detect(bundle.graph(), session, inputTensor, flowTensor, outputTensor,
                metadata.resolution()).pass();
        if (pass == null) {
            return null;
        }
        int n = JavaProbes.COUNT;
        float[] probe = JavaProbes.images(metadata.resolution());
        float[] flows = JavaProbes.flows();
        float[] scores = new float[n * classes];
        int normalisation = norm;
        return () -> {
            long deadline = System.nanoTime() + budgetNanos;
            do {
                pass.classify(probe, flows, n, normalisation, scores);
            } while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted());
        };
    }

    /** Which engine {@link #classify} uses (Java forward pass or TensorFlow), and why (for logs and benchmarks). */
    public String engine() {
        return engine;
    }

    /** Whether the whole net runs in Java (see the class comment). */
    public boolean javaForwardPass() {
        return javaPass != null;
    }

    /** Two probe images: corners, last row and column, a cell cluster, and scattered cells of varied counts. */
    private static float[] probeImages(int r, int n) {
        float[] img = new float[n * r * r];
        int p = r * r;
        int[][] edge = {{0, 0}, {0, r - 1}, {r - 1, 0}, {r - 1, r - 1}, {r / 2, r - 1}, {r - 1, r / 3}, {1, 1}};
        for (int[] c : edge) {
            img[c[0] * r + c[1]] = 3f;
        }
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(20261127L);
        for (int i = 0; i < Math.max(8, p / 200); i++) {
            img[rnd.nextInt(p)] += 1 + rnd.nextInt(40);
            img[p + rnd.nextInt(p)] += 1 + rnd.nextInt(5);
        }
        for (int i = 0; i < Math.min(r, 16); i++) {
            img[p + (r / 2) * r + i] = 7f;
        }
        return img;
    }

    /** Which first-layer path {@link #classify} uses, and why (for logs and benchmarks). */
    public String firstLayer() {
        return firstLayer;
    }

    /** Whether the first layer is computed sparsely in Java (see the class comment). */
    public boolean sparseFirstLayer() {
        return sparse != null;
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** Model directory this classifier was loaded from. */
    public Path modelDir() {
        return modelDir;
    }

    /** Tensors by batch size, closing the least recently used beyond {@value #TENSOR_CACHE}. */
    private static Map<Integer, TFloat32> tensorCache() {
        return new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, TFloat32> eldest) {
                if (size() > TENSOR_CACHE) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

    /** Whether the model takes flow descriptors ({@link FlowDescriptors}) beside the pictures. */
    public boolean needsFlows() {
        return flowTensor != null;
    }

    /**
     * As {@link #classify(float[], float[], int, float[])} for a model that sees the picture only.
     *
     * @throws IllegalStateException if the model needs flow descriptors ({@link #needsFlows()})
     */
    public void classify(float[] counts, int n, float[] scoresOut) {
        if (flowTensor != null) {
            throw new IllegalStateException("model " + modelDir + " needs flow descriptors ("
                    + metadata.flowInputName() + "): call classify(counts, flows, n, scores)");
        }
        classify(counts, null, n, scoresOut);
    }

    /**
     * Classifies {@code n} images in one session call.
     *
     * @param counts    at least {@code n*R*R} raw packet counts, row-major per image {@code [i][row][col]}
     *                  (row = size bin, col = time bin); not modified
     * @param flows     {@code n*FlowDescriptors.WIDTH} flow descriptors ({@link FlowDescriptors#fill}); read only
     *                  when {@link #needsFlows()}, may be null otherwise
     * @param n         number of images ({@code 0} is a no-op)
     * @param scoresOut receives {@code n*C} softmax scores, {@code [i][class]} in label order, calibrated with the
     *                  model's temperature ({@link ScoreCalibration})
     * @throws IllegalArgumentException if arrays are too short or {@code n < 0}
     * @throws IllegalStateException    if closed
     */
    public synchronized void classify(float[] counts, float[] flows, int n, float[] scoresOut) {
        if (closed) {
            throw new IllegalStateException("classifier for " + modelDir + " is closed");
        }
        if (n < 0) {
            throw new IllegalArgumentException("n < 0: " + n);
        }
        long inLen = (long) n * pixels;
        if (inLen > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch too large: " + n);
        }
        if (counts.length < inLen) {
            throw new IllegalArgumentException("counts.length " + counts.length + " < n*R*R = " + inLen);
        }
        if (scoresOut.length < (long) n * classes) {
            throw new IllegalArgumentException("scoresOut.length " + scoresOut.length + " < n*C = " + (long) n * classes);
        }
        if (flowTensor != null && (flows == null || flows.length < (long) n * FlowDescriptors.WIDTH)) {
            throw new IllegalArgumentException("flows " + (flows == null ? "missing" : "length " + flows.length)
                    + ", model " + modelDir + " needs n*" + FlowDescriptors.WIDTH + " = " + (long) n * FlowDescriptors.WIDTH);
        }
        if (n == 0) {
            return;
        }
        int len = (int) inLen;
        if (javaPass != null) {
            javaPass.classify(counts, flows, n, norm, scoresOut);
            ScoreCalibration.apply(metadata.temperature(), scoresOut, n, classes);
            return;
        }
        if (sparse != null) {
            classifySparse(counts, flows, n, scoresOut);
            return;
        }
        FloatDataBuffer src;
        if (norm == 0) {
            src = DataBuffers.of(counts, true, false).slice(0, len);
        } else {
            if (staging.length < len) {
                staging = new float[(int) Math.max(len, Math.min(Integer.MAX_VALUE - 8, staging.length * 2L))];
                stagingBuffer = DataBuffers.of(staging, false, false);
            }
            normalize(counts, n, staging);
            src = stagingBuffer.slice(0, len);
        }
        TFloat32 input = inputs.get(n);
        if (input == null) {
            int r = metadata.resolution();
            input = TFloat32.tensorOf(Shape.of(n, r, r, 1));
            inputs.put(n, input);
        }
        input.copyFrom(src);
        run(inputTensor, input, flows, n, scoresOut);
    }

    private void classifySparse(float[] counts, float[] flows, int n, float[] scoresOut) {
        long len = (long) n * sparse.outputSize();
        if (len > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch too large: " + n);
        }
        if (sparseStaging.length < len) {
            sparseStaging = new float[(int) len];
        }
        sparse.compute(counts, n, norm, sparseStaging);
        TFloat32 feed = inputs.get(n);
        if (feed == null) {
            feed = TFloat32.tensorOf(sparse.shape(n));
            inputs.put(n, feed);
        }
        feed.copyFrom(DataBuffers.of(sparseStaging, true, false).slice(0, len));
        run(sparse.feedOp() + ":0", feed, flows, n, scoresOut);
    }

    private void run(String feedName, TFloat32 feed, float[] flows, int n, float[] scoresOut) {
        Session.Runner runner = session.runner().feed(feedName, feed);
        if (flowTensor != null) {
            TFloat32 flow = flowInputs.get(n);
            if (flow == null) {
                flow = TFloat32.tensorOf(Shape.of(n, FlowDescriptors.WIDTH));
                flowInputs.put(n, flow);
            }
            flow.copyFrom(DataBuffers.of(flows, true, false).slice(0, (long) n * FlowDescriptors.WIDTH));
            runner.feed(flowTensor, flow);
        }
        try (Result result = runner.fetch(outputTensor).run()) {
            Tensor out = result.get(0);
            if (!(out instanceof TFloat32 scores) || out.shape().numDimensions() != 2
                    || out.shape().get(0) != n || out.shape().get(1) != classes) {
                throw new IllegalStateException("model " + modelDir + " returned " + out.dataType() + " " + out.shape()
                        + ", expected float [" + n + ", " + classes + "]");
            }
            scores.copyTo(DataBuffers.of(scoresOut, false, false).slice(0, (long) n * classes));
            if (calibrating) {
                ScoreCalibration.apply(metadata.temperature(), scoresOut, n, classes);
            }
        }
    }

    private void normalize(float[] counts, int n, float[] dst) {
        int len = n * pixels;
        if (norm == 1) {
            for (int i = 0; i < len; i++) {
                float v = counts[i];
                dst[i] = v > 0 ? (float) Math.log1p(v) : 0f;
            }
        } else {
            for (int img = 0; img < n; img++) {
                int base = img * pixels;
                float max = 0f;
                for (int i = 0; i < pixels; i++) {
                    max = Math.max(max, counts[base + i]);
                }
                float inv = max > 0 ? 1f / max : 0f;
                for (int i = 0; i < pixels; i++) {
                    dst[base + i] = counts[base + i] * inv;
                }
            }
        }
    }

    /** Applies the metadata normalisation in plain Java (exposed for tests and offline tooling). */
    static float normalizeValue(String normalization, float count, float imageMax) {
        return switch (normalization) {
            case "none" -> count;
            case "log1p" -> count > 0 ? (float) Math.log1p(count) : 0f;
            case "max" -> imageMax > 0 ? count * (1f / imageMax) : 0f;
            default -> throw new IllegalArgumentException("unknown normalization " + normalization);
        };
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        inputs.values().forEach(TFloat32::close);
        inputs.clear();
        flowInputs.values().forEach(TFloat32::close);
        flowInputs.clear();
        bundle.close();
    }
}
