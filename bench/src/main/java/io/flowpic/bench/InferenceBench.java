package io.flowpic.bench;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.train.Architecture;
import io.flowpic.inference.train.BenchModels;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * FlowPics classified per second on one core: {@link FlowPicClassifier#classify} (log1p normalisation in Java, copy
 * into the cached input tensor, one SavedModel session call, copy of the scores out) with TensorFlow limited to one
 * intra-op and one inter-op thread ({@code FlowPicClassifier.load(dir, 1)}).
 * <ul>
 * <li>{@code mini}: the committed default model ({@code model/default}, LeNet-5 style, R = 32, trained); override
 *     with {@code -Dflowpic.model=DIR} (given to the forked JVM through {@code -jvmArgsAppend}).</li>
 * <li>{@code full}: the original FlowPic network for R = 1500 ({@link Architecture#FULL}), built by the trainer's own
 *     net builder with untrained (Glorot-initialised) weights and exported the trainer's way into a temporary
 *     directory at setup.</li>
 * </ul>
 * Both run with the classifier's sparse first layer forced on ({@code sparse}, {@code FirstLayerMode.SPARSE}; the
 * default {@code AUTO} uses it for the full net only) and off ({@code dense}, {@code FirstLayerMode.DENSE}).
 * Each image holds {@value #PACKETS_PER_IMAGE} packets at random cells. The op is one batch; the {@code images}
 * secondary result is images per second (batch × ops/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "-Xms4g", "-Xmx4g", "--add-modules=jdk.incubator.vector",
    // flowpic.jvm.flags (root pom)
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class InferenceBench
{
    static final int PACKETS_PER_IMAGE = 200;

    static
    {
        // Reuse the test suite's unpacked TensorFlow natives (JavaCPP unpacks ~650 MB once per cache directory).
        if (System.getProperty("org.bytedeco.javacpp.cachedir") == null)
        {
            System.setProperty("org.bytedeco.javacpp.cachedir",
                System.getProperty("user.home") + "/.cache/flowpic-javacpp");
        }
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Images
    {
        private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean)java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        public long images;
        private long cpu;
        private long wall;

        @Setup(Level.Iteration)
        public void reset()
        {
            images = 0;
            cpu = OS.getProcessCpuTime();
            wall = System.nanoTime();
        }

        /**
         * The machine is shared: also print images per CPU-second of the whole process (TensorFlow's threads
         * included), which other processes taking the core does not lower.
         */
        @TearDown(Level.Iteration)
        public void report()
        {
            final double cpuSeconds = (OS.getProcessCpuTime() - cpu) / 1e9;
            final double wallSeconds = (System.nanoTime() - wall) / 1e9;
            System.out.printf(" [%d images, %.1f images/CPU-s, %.1f images/wall-s, process cpu/wall %.2f]",
                images, images / cpuSeconds, images / wallSeconds, cpuSeconds / wallSeconds);
        }
    }

    abstract static class Model
    {
        /** Images from real blocks of the shared data (as the sensor sees them) instead of scattered packets. */
        boolean realBlocks;
        FlowPicClassifier classifier;
        float[] counts;
        /** Flow descriptors (alternating UDP and TCP), fed only to models that take them. */
        float[] flows;
        float[] scores;
        int n;

        void open(final Path dir, final int batch, final String path) throws Exception
        {
            open(dir, batch, path, 1);
        }

        /**
         * {@code path}: {@code java} (the Java forward pass, {@code Engine.JAVA}), {@code sparse} / {@code dense}
         * (TensorFlow with the sparse / dense first layer); {@code threads}: TensorFlow's intra- and inter-op pools
         * (0 = TensorFlow's default, all cores).
         */
        void open(final Path dir, final int batch, final String path, final int threads) throws Exception
        {
            classifier = switch (path)
            {
                case "java" -> FlowPicClassifier.load(dir, threads, FlowPicClassifier.FirstLayerMode.AUTO,
                    FlowPicClassifier.Engine.JAVA);
                case "sparse" -> FlowPicClassifier.load(dir, threads, FlowPicClassifier.FirstLayerMode.SPARSE);
                case "dense" -> FlowPicClassifier.load(dir, threads, FlowPicClassifier.FirstLayerMode.DENSE);
                default -> throw new IllegalArgumentException("path " + path + ": java, sparse or dense");
            };
            final int r = classifier.metadata().resolution();
            final int pixels = r * r;
            n = batch;
            counts = new float[batch * pixels];
            flows = new float[batch * io.flowpic.inference.FlowDescriptors.WIDTH];
            for (int i = 0; i < batch; i++)
            {
                io.flowpic.inference.FlowDescriptors.fill(i % 2 == 0 ? 17 : 6, flows, i * io.flowpic.inference.FlowDescriptors.WIDTH);
            }
            scores = new float[batch * classifier.metadata().numClasses()];
            if (realBlocks)
            {
                fillRealBlocks(classifier.metadata(), batch);
            }
            else
            {
                final SplittableRandom random = new SplittableRandom(42);
                for (int i = 0; i < batch; i++)
                {
                    for (int p = 0; p < PACKETS_PER_IMAGE; p++)
                    {
                        counts[i * pixels + random.nextInt(pixels)] += 1f;
                    }
                }
            }
            System.out.printf("%n[InferenceBench] %s R=%d batch=%d first layer: %s; engine: %s%n",
                classifier.metadata().modelId(), r, batch, classifier.firstLayer(), classifier.engine());
        }

        /**
         * The batch from qualifying blocks of the shared FlowPic CSVs ({@code ../shared/data/flowpic-csv}), the
         * classes in turn, each block with its flow's transport.
         */
        private void fillRealBlocks(final io.flowpic.inference.ModelMetadata md, final int batch) throws Exception
        {
            Path csv = Path.of(System.getProperty("flowpic.shared", "../shared"), "data", "flowpic-csv");
            if (!Files.isDirectory(csv))
            {
                csv = Path.of("..").resolve(csv);
            }
            if (!Files.isDirectory(csv))
            {
                throw new IllegalStateException("miniImages=real needs the shared data: no " + csv);
            }
            final io.flowpic.inference.dataset.SessionBlocks blocks = new io.flowpic.inference.dataset.SessionBlocks(
                new io.flowpic.flowtable.flow.FlowPicSpec(md.resolution(), md.blockSeconds(), md.maxPacketSize(),
                    io.flowpic.flowtable.flow.FlowPicSpec.DEFAULT_MIN_PACKETS));
            final int pixels = md.resolution() * md.resolution();
            final java.util.List<float[]> images = new java.util.ArrayList<>();
            final java.util.List<Integer> protocols = new java.util.ArrayList<>();
            for (final String label : md.labels())
            {
                int taken = 0;
                try (io.flowpic.inference.dataset.FlowCsvReader reader =
                         io.flowpic.inference.dataset.FlowCsvReader.open(csv.resolve(label + ".csv.gz"), true))
                {
                    io.flowpic.inference.dataset.FlowSession session;
                    while (taken < batch && (session = reader.next()) != null)
                    {
                        for (final float[] c : blocks.counts(session))
                        {
                            images.add(c);
                            protocols.add(session.protocol());
                            taken++;
                        }
                    }
                }
            }
            long cells = 0;
            long packets = 0;
            for (int i = 0; i < batch; i++)
            {
                final int k = (int)((long)i * images.size() / batch);
                System.arraycopy(images.get(k), 0, counts, i * pixels, pixels);
                io.flowpic.inference.FlowDescriptors.fill(protocols.get(k), flows, i * io.flowpic.inference.FlowDescriptors.WIDTH);
                for (int p = 0; p < pixels; p++)
                {
                    cells += counts[i * pixels + p] != 0 ? 1 : 0;
                    packets += (long)counts[i * pixels + p];
                }
            }
            System.out.printf("%n[InferenceBench] %d real blocks available, batch of %d: %.1f packets and %.1f non-zero cells per image%n",
                images.size(), batch, packets / (double)batch, cells / (double)batch);
        }

        @TearDown(Level.Trial)
        public void close()
        {
            classifier.close();
        }
    }

    @State(Scope.Thread)
    public static class Mini extends Model
    {
        @Param({"1", "16", "64", "256"})
        public int miniBatch;
        /**
         * {@code java}: the Java forward pass ({@code Engine.JAVA}, the default model's {@code AUTO}); {@code dense} /
         * {@code sparse}: TensorFlow with the dense / sparse first layer ({@code FirstLayerMode.DENSE} / {@code SPARSE}).
         */
        @Param({"java", "dense", "sparse"})
        public String miniPath;
        /** TensorFlow's intra- and inter-op threads ({@code 0}: TensorFlow's default, every core). */
        @Param({"1"})
        public int miniThreads;
        /** {@code random}: {@value #PACKETS_PER_IMAGE} packets at random cells; {@code real}: real blocks of the shared data. */
        @Param({"random"})
        public String miniImages;

        @Setup(Level.Trial)
        public void setUp() throws Exception
        {
            Path dir = Path.of(System.getProperty("flowpic.model", "model/default"));
            if (!Files.isDirectory(dir) && Files.isDirectory(Path.of("..").resolve(dir)))
            {
                dir = Path.of("..").resolve(dir);
            }
            realBlocks = miniImages.equals("real");
            open(dir, miniBatch, miniPath, miniThreads);
        }
    }

    @State(Scope.Thread)
    public static class Full extends Model
    {
        @Param({"1", "4", "16"})
        public int fullBatch;
        /** {@code sparse}: {@code FirstLayerMode.SPARSE}; {@code dense}: TensorFlow's dense graph. */
        @Param({"sparse", "dense"})
        public String fullFirstLayer;
        private Path tmp;

        @Setup(Level.Trial)
        public void setUp() throws Exception
        {
            tmp = Files.createTempDirectory("flowpic-bench-full");
            final Path dir = tmp.resolve("model");
            BenchModels.writeUntrained(dir, Architecture.FULL, 1500, 1L);
            open(dir, fullBatch, fullFirstLayer);
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException
        {
            try (Stream<Path> files = Files.walk(tmp))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public float mini(final Mini m, final Images images)
    {
        m.classifier.classify(m.counts, m.flows, m.n, m.scores);
        images.images += m.n;
        return m.scores[0];
    }

    @Benchmark
    @Warmup(iterations = 2, time = 5)
    @Measurement(iterations = 5, time = 5)
    public float full(final Full m, final Images images)
    {
        m.classifier.classify(m.counts, m.flows, m.n, m.scores);
        images.images += m.n;
        return m.scores[0];
    }
}
