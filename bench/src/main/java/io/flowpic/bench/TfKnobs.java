package io.flowpic.bench;

import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.ModelMetadata;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.TFloat32;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * TensorFlow's own knobs on the default model, without the classifier (which always builds the same
 * {@code ConfigProto}): the SavedModel loaded with each session configuration below, then one session call per
 * batch (already log1p-normalised images and flow descriptors in cached tensors, the scores fetched and copied out,
 * as the classifier does), for {@code SECONDS} per batch size. Prints images per CPU-second of the whole process
 * (TensorFlow's pool threads included). oneDNN is a process-wide environment switch: run the command twice, with
 * {@code TF_ENABLE_ONEDNN_OPTS=0} and {@code =1}.
 *
 * <pre>java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar io.flowpic.bench.TfKnobs [MODEL_DIR] [SECONDS]</pre>
 */
public final class TfKnobs
{
    private static final int[] BATCHES = {1, 16, 64, 256};
    private static final int PACKETS_PER_IMAGE = 200;

    private TfKnobs()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (System.getProperty("org.bytedeco.javacpp.cachedir") == null)
        {
            System.setProperty("org.bytedeco.javacpp.cachedir", System.getProperty("user.home") + "/.cache/flowpic-javacpp");
        }
        Path dir = Path.of(args.length > 0 ? args[0] : "model/default");
        final double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        if (!Files.isDirectory(dir))
        {
            dir = Path.of("..").resolve(dir);
        }
        final Map<String, ConfigProto> configs = new LinkedHashMap<>();
        configs.put("threads 1/1 (the classifier's load(dir, 1))", threads(1, 1).build());
        configs.put("threads default (all cores)", ConfigProto.newBuilder().build());
        configs.put("intra 2 / inter 1", threads(2, 1).build());
        configs.put("threads 1/1, grappler off", threads(1, 1).setGraphOptions(GraphOptions.newBuilder()
            .setRewriteOptions(RewriterConfig.newBuilder().setDisableMetaOptimizer(true))).build());
        configs.put("threads 1/1, grappler aggressive (constant folding, remapping, layout, arithmetic on)",
            threads(1, 1).setGraphOptions(GraphOptions.newBuilder().setRewriteOptions(RewriterConfig.newBuilder()
                .setConstantFolding(RewriterConfig.Toggle.AGGRESSIVE).setRemapping(RewriterConfig.Toggle.AGGRESSIVE)
                .setArithmeticOptimization(RewriterConfig.Toggle.AGGRESSIVE)
                .setLayoutOptimizer(RewriterConfig.Toggle.AGGRESSIVE))).build());
        configs.put("threads 1/1, XLA JIT ON_1", threads(1, 1).setGraphOptions(GraphOptions.newBuilder()
            .setOptimizerOptions(OptimizerOptions.newBuilder().setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1)))
            .build());
        configs.put("threads 1/1, use_per_session_threads", threads(1, 1).setUsePerSessionThreads(true).build());
        System.out.printf("TF_ENABLE_ONEDNN_OPTS=%s, model %s, %.1f s per batch size, %d packets per image%n",
            System.getenv("TF_ENABLE_ONEDNN_OPTS"), dir, seconds, PACKETS_PER_IMAGE);
        for (final Map.Entry<String, ConfigProto> e : configs.entrySet())
        {
            run(dir, e.getKey(), e.getValue(), seconds);
        }
    }

    private static ConfigProto.Builder threads(final int intra, final int inter)
    {
        return ConfigProto.newBuilder().setIntraOpParallelismThreads(intra).setInterOpParallelismThreads(inter);
    }

    private static void run(final Path dir, final String name, final ConfigProto config, final double seconds)
        throws Exception
    {
        final ModelMetadata md = ModelMetadata.read(dir);
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        final StringBuilder line = new StringBuilder(String.format("%-90s", name));
        try (SavedModelBundle bundle = SavedModelBundle.loader(dir.toString()).withTags("serve")
            .withConfigProto(config).load())
        {
            final Signature sig = bundle.function(md.signature()).signature();
            final String in = sig.getInputs().get(md.inputName()).name;
            final String out = sig.getOutputs().get(md.outputName()).name;
            final String flow = md.flowInputName() == null ? null : sig.getInputs().get(md.flowInputName()).name;
            final Session session = bundle.session();
            final int r = md.resolution();
            for (final int batch : BATCHES)
            {
                final float[] images = new float[batch * r * r];
                final float[] flows = new float[batch * FlowDescriptors.WIDTH];
                final SplittableRandom random = new SplittableRandom(42);
                for (int i = 0; i < batch; i++)
                {
                    for (int p = 0; p < PACKETS_PER_IMAGE; p++)
                    {
                        images[i * r * r + random.nextInt(r * r)] += 1f;
                    }
                    FlowDescriptors.fill(i % 2 == 0 ? 17 : 6, flows, i * FlowDescriptors.WIDTH);
                }
                for (int i = 0; i < images.length; i++)
                {
                    images[i] = images[i] > 0 ? (float)Math.log1p(images[i]) : 0f;
                }
                final float[] scores = new float[batch * md.numClasses()];
                try (TFloat32 image = TFloat32.tensorOf(Shape.of(batch, r, r, 1), DataBuffers.of(images, true, false));
                     TFloat32 flowTensor = TFloat32.tensorOf(Shape.of(batch, FlowDescriptors.WIDTH),
                         DataBuffers.of(flows, true, false)))
                {
                    final long warmEnd = System.nanoTime() + (long)(seconds * 0.3e9);
                    while (System.nanoTime() < warmEnd)
                    {
                        call(session, in, image, flow, flowTensor, out, scores);
                    }
                    final long cpu0 = os.getProcessCpuTime();
                    final long t0 = System.nanoTime();
                    long n = 0;
                    while (System.nanoTime() - t0 < seconds * 1e9)
                    {
                        call(session, in, image, flow, flowTensor, out, scores);
                        n += batch;
                    }
                    final double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                    final double wall = (System.nanoTime() - t0) / 1e9;
                    line.append(String.format(" | b%d %,8.0f img/CPU-s (cpu/wall %.2f)", batch, n / cpu, cpu / wall));
                }
            }
        }
        catch (final RuntimeException e)
        {
            line.append(" | failed: ").append(e.getMessage());
        }
        System.out.println(line);
    }

    private static void call(final Session session, final String in, final TFloat32 image, final String flow,
                             final TFloat32 flowTensor, final String out, final float[] scores)
    {
        final Session.Runner runner = session.runner().feed(in, image);
        if (flow != null)
        {
            runner.feed(flow, flowTensor);
        }
        try (Result result = runner.fetch(out).run())
        {
            ((TFloat32)result.get(0)).copyTo(DataBuffers.of(scores, false, false));
        }
    }
}
