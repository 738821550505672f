package io.flowpic.inference.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.ModelMetadata;
import io.flowpic.inference.dataset.BlockSample;
import io.flowpic.inference.dataset.FlowCsvException;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.LabeledSessions;
import io.flowpic.inference.dataset.SessionBlocks;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Trains a FlowPic CNN from labelled FlowPic CSV files and writes a SavedModel plus
 * {@value #METADATA_FILE} and {@value #REPORT_FILE} into the output directory.
 * <p>
 * Blocks come from feeding every session through a {@link io.flowpic.flowtable.flow.FlowTable} (see
 * {@link SessionBlocks}), so they equal what the sensor sees. Validation is grouped by capture (or by
 * source) and stratified by class; training uses class-weighted cross-entropy, Adam, seeded shuffling and
 * seeded initial weights, early stopping on validation loss (or macro-F1), and exports the best epoch's weights in a
 * serving graph without dropout.
 */
public final class Trainer
{
    public static final String METADATA_FILE = "flowpic-model.json";
    public static final String REPORT_FILE = "training-report.json";
    public static final int FORMAT_VERSION = 1;

    private final TrainingOptions options;
    private final PrintStream progress;

    private Trainer(final TrainingOptions options)
    {
        this.options = options;
        this.progress = options.progress();
    }

    public static TrainingResult train(final TrainingOptions options) throws IOException, FlowCsvException
    {
        options.validate();
        return new Trainer(options).run();
    }

    /**
     * A label without a single qualifying block would still get an output unit, a support of 0 and a perfect
     * per-class score: refused before anything is written, naming the label's files.
     */
    private void requireBlocksPerLabel(final LabeledSessions data, final List<Integer> kept,
        final List<List<BlockSample>> blocksOf, final FlowPicSpec spec) throws IOException
    {
        final int[] blocks = new int[data.labels().size()];
        final int[] sessions = new int[data.labels().size()];
        for (int k = 0; k < kept.size(); k++)
        {
            final int label = data.sessionLabels()[kept.get(k)];
            blocks[label] += blocksOf.get(k).size();
            sessions[label]++;
        }
        for (int label = 0; label < blocks.length; label++)
        {
            if (blocks[label] == 0)
            {
                final String name = data.labels().get(label);
                throw new IOException("label '" + name + "' has no qualifying block in " +
                    options.dataFiles().get(name) + " (" + sessions[label] + " sessions; a block needs at least " +
                    spec.minPackets() + " packets within one " + spec.blockSeconds() + " s block)");
            }
        }
    }

    private void log(final String line)
    {
        if (progress != null)
        {
            progress.println(line);
            progress.flush();
        }
    }

    private TrainingResult run() throws IOException, FlowCsvException
    {
        final long started = System.nanoTime();
        final Path out = options.outputDir();
        if (Files.isDirectory(out))
        {
            try (Stream<Path> entries = Files.list(out))
            {
                if (entries.findAny().isPresent())
                {
                    throw new IOException("output dir is not empty: " + out);
                }
            }
        }
        final FlowPicSpec spec = options.spec();
        final LabeledSessions data = options.preloaded() != null ? options.preloaded() : loadSessions(options);
        final List<String> labels = data.labels();
        final int classes = labels.size();

        // Sessions (optionally a seeded subset per label) → their unaugmented blocks.
        final List<Integer> kept = selectSessions(data);
        final SessionBlocks blocker = new SessionBlocks(spec, TimeUnit.SECONDS.toNanos(options.idleTimeoutSeconds()));
        final List<List<BlockSample>> blocksOf = new ArrayList<>();
        for (final int si : kept)
        {
            final FlowSession s = data.sessions().get(si);
            final int label = data.sessionLabels()[si];
            final List<BlockSample> list = new ArrayList<>();
            blocker.forEachBlock(s, b -> list.add(BlockSample.copyOf(s.pcapName(), label, b)));
            blocksOf.add(list);
        }
        requireBlocksPerLabel(data, kept, blocksOf, spec);
        log(String.format("loaded %d sessions (%d kept), %d qualifying blocks (%d below %d packets), %s",
            data.sessions().size(), kept.size(), blocker.qualifyingBlocks(), blocker.rejectedBlocks(),
            spec.minPackets(), spec.describe()));

        // Grouped, stratified split.
        final boolean bySource = options.splitBy() == TrainingOptions.SplitBy.SOURCE || !options.validationSources().isEmpty();
        final List<String> groupOfSession = new ArrayList<>();
        for (final int si : kept)
        {
            final FlowSession s = data.sessions().get(si);
            groupOfSession.add(bySource ? s.source() : s.pcapName());
        }
        final Set<String> validationGroups = new TreeSet<>();
        if (!options.validationSources().isEmpty())
        {
            final Set<String> unknown = new TreeSet<>(options.validationSources());
            unknown.removeAll(groupOfSession);
            if (!unknown.isEmpty())
            {
                throw new IllegalArgumentException("validation sources not in the data: " + unknown + "; sources are " +
                    new TreeSet<>(groupOfSession));
            }
            validationGroups.addAll(options.validationSources());
        }
        else if (options.validationFraction() > 0)
        {
            final Map<String, int[]> counts = new LinkedHashMap<>();
            for (int k = 0; k < kept.size(); k++)
            {
                final int[] c = counts.computeIfAbsent(groupOfSession.get(k), g -> new int[classes]);
                c[data.sessionLabels()[kept.get(k)]] += blocksOf.get(k).size();
            }
            validationGroups.addAll(GroupSplit.chooseValidation(counts, classes, options.validationFraction(),
                options.seed() * 31 + 1));
        }
        final List<BlockSample> train = new ArrayList<>();
        final List<BlockSample> val = new ArrayList<>();
        final Set<String> trainPcaps = new TreeSet<>();
        final Set<String> valPcaps = new TreeSet<>();
        final Random augmentRandom = new Random(options.seed() * 31 + 2);
        final int[] augmented = new int[classes];
        for (int k = 0; k < kept.size(); k++)
        {
            final FlowSession s = data.sessions().get(kept.get(k));
            if (validationGroups.contains(groupOfSession.get(k)))
            {
                val.addAll(blocksOf.get(k));
                valPcaps.add(s.pcapName());
                continue;
            }
            train.addAll(blocksOf.get(k));
            trainPcaps.add(s.pcapName());
            final int label = data.sessionLabels()[kept.get(k)];
            for (int copy = 0; copy < options.augmentCopies(); copy++)
            {
                final double scale = options.minTimeScale() +
                    augmentRandom.nextDouble() * (options.maxTimeScale() - options.minTimeScale());
                final long shift = options.timeShift() ? (long)(augmentRandom.nextDouble() * spec.blockNanos()) : 0L;
                final double loss = augmentRandom.nextDouble() * options.maxLossRate();
                augmented[label] += blocker.forEachBlock(s, scale, shift, loss, options.sizeJitter(), augmentRandom,
                    b -> train.add(BlockSample.copyOf(s.pcapName(), label, b)));
            }
        }
        final int[] trainCounts = countLabels(train, classes);
        final int[] valCounts = countLabels(val, classes);
        if (train.isEmpty())
        {
            throw new IllegalStateException("no training blocks: every group went to validation or no block qualified");
        }
        log("split by " + (bySource ? "source" : "pcap") + ": train " + perClass(labels, trainCounts) +
            (options.augmentCopies() > 0 ? " (of which augmented " + perClass(labels, augmented) + ")" : "") +
            ", validation " + perClass(labels, valCounts) + " from " + validationGroups.size() + " groups");

        final float[] classWeights = new float[classes];
        for (int c = 0; c < classes; c++)
        {
            classWeights[c] = trainCounts[c] == 0 ? 0f :
                options.classWeighting() ? (float)train.size() / (classes * (float)trainCounts[c]) : 1f;
        }

        final float[] sampleWeights = sampleWeights(train, classWeights, options.sourceBalancing());
        final Fit fit = fit(spec, labels, train, val, classWeights, sampleWeights);

        // Export the best weights from a serving-only graph and measure exactly that network.
        final Evaluation evaluation = new Evaluation(labels);
        final float[] validationScores = new float[val.size() * classes];
        final int[] validationLabels = new int[val.size()];
        ModelMetadata.Calibration calibration = null;
        Files.createDirectories(out);
        try (TrainedModel model = new TrainedModel(options.architecture(), options.features(), spec.resolution(), labels, fit.best))
        {
            if (!val.isEmpty())
            {
                evaluate(model::scores, val, spec.cellsPerImage(), classes, classWeights, evaluation, options.batchSize(),
                    validationScores);
                for (int i = 0; i < validationLabels.length; i++)
                {
                    validationLabels[i] = val.get(i).label();
                }
                if (options.calibrationScores() == null)
                {
                    calibration = calibrate(model, val, spec.cellsPerImage(), classes);
                    log(String.format("calibration on %d validation blocks: temperature %.4f, ECE %.4f -> %.4f",
                        calibration.fittedOnBlocks(), calibration.temperature(), calibration.eceBefore(),
                        calibration.eceAfter()));
                }
            }
            model.exportSavedModel(out);
        }
        if (options.calibrationScores() != null)
        {
            // Held-out sources' scores from cross-validation: the final model's own validation blocks come from
            // networks it trained on, and would make it look surer than it is on new ones.
            calibration = TemperatureFit.fit(options.calibrationScores(), options.calibrationLabels(), classes);
            log(String.format("calibration on %d cross-validation held-out blocks: temperature %.4f, ECE %.4f -> %.4f",
                calibration.fittedOnBlocks(), calibration.temperature(), calibration.eceBefore(), calibration.eceAfter()));
        }
        final String modelId = options.modelName() + "-" + weightsHash(fit.best);
        writeMetadata(out, modelId, labels, spec, options.features(), calibration);
        final double seconds = (System.nanoTime() - started) / 1e9;
        writeReport(out, modelId, labels, spec, fit, evaluation, bySource, validationGroups, trainPcaps, valPcaps,
            trainCounts, augmented, valCounts, classWeights, data, kept.size(), blocker, seconds);
        log(String.format("exported %s to %s: validation accuracy %.4f, macro-F1 %.4f (majority rate %.4f), best epoch %d of %d, %.1f s",
            modelId, out, evaluation.accuracy(), evaluation.macroF1(), evaluation.majorityRate(), fit.bestEpoch,
            fit.epochsRun, seconds));
        if (evaluation.total() > 0)
        {
            for (final Evaluation.ClassMetrics m : evaluation.perClass())
            {
                log(String.format("  %-16s precision %.3f recall %.3f F1 %.3f support %d", m.label(), m.precision(),
                    m.recall(), m.f1(), m.support()));
            }
            log("  confusion (rows true, cols predicted, " + labels + "): " + Arrays.deepToString(evaluation.confusion()));
        }
        return new TrainingResult(out, modelId, labels, options.architecture(), options.features(), spec.resolution(), fit.epochsRun,
            fit.bestEpoch, fit.stoppedBy, evaluation, toMap(labels, trainCounts), toMap(labels, valCounts),
            new ArrayList<>(validationGroups), fit.best).skippedRows(skippedOnly(data.skippedRows()))
            .validationScores(validationScores, validationLabels);
    }

    /** Fine-tuning: labels in the model's output order, which its last layer's weights are in. */
    /** The sessions of the options' data files, labels in the fine-tuned model's order when there is one. */
    static LabeledSessions loadSessions(final TrainingOptions options) throws IOException, FlowCsvException
    {
        return LabeledSessions.load(inModelOrder(options, options.dataFiles()), options.skipBadRows());
    }

    private static Map<String, List<Path>> inModelOrder(final TrainingOptions options, final Map<String, List<Path>> files)
    {
        if (options.initFrom() == null)
        {
            return files;
        }
        final Map<String, List<Path>> ordered = new LinkedHashMap<>();
        for (final String label : options.initFrom().metadata().labels())
        {
            ordered.put(label, files.get(label));
        }
        return ordered;
    }

    private static Map<Path, Long> skippedOnly(final Map<Path, Long> perFile)
    {
        final Map<Path, Long> skipped = new LinkedHashMap<>();
        perFile.forEach((file, rows) ->
        {
            if (rows > 0)
            {
                skipped.put(file, rows);
            }
        });
        return skipped;
    }

    private List<Integer> selectSessions(final LabeledSessions data)
    {
        final List<Integer> kept = new ArrayList<>();
        final int max = options.maxSessionsPerLabel();
        final Random random = new Random(options.seed() * 31 + 3);
        for (int label = 0; label < data.labels().size(); label++)
        {
            final List<Integer> of = new ArrayList<>();
            for (int i = 0; i < data.sessions().size(); i++)
            {
                if (data.sessionLabels()[i] == label)
                {
                    of.add(i);
                }
            }
            if (max > 0 && of.size() > max)
            {
                java.util.Collections.shuffle(of, random);
                of.subList(max, of.size()).clear();
                of.sort(null);
            }
            kept.addAll(of);
        }
        return kept;
    }

    /** One epoch's figures. */
    record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                      double valMacroF1, double seconds)
    {
    }

    static final class Fit
    {
        float[][] best;
        int bestEpoch;
        int epochsRun;
        String stoppedBy;
        final List<EpochStats> history = new ArrayList<>();
    }

    private Fit fit(
        final FlowPicSpec spec, final List<String> labels, final List<BlockSample> train, final List<BlockSample> val,
        final float[] classWeights, final float[] sampleWeights)
    {
        final int classes = labels.size();
        final int r = spec.resolution();
        final int cells = spec.cellsPerImage();
        final int batch = options.batchSize();
        final Fit fit = new Fit();
        final long started = System.nanoTime();
        try (Graph graph = new Graph())
        {
            final FlowPicNet net = FlowPicNet.build(graph, options.architecture(), options.features(), r, classes, true, options.seed(),
                TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME);
            final Ops tf = Ops.create(graph).withSubScope("loss");
            final Placeholder<TFloat32> oneHot = tf.withName("labels").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1, classes)));
            final Placeholder<TFloat32> weights = tf.withName("weights").placeholder(TFloat32.class,
                Placeholder.shape(Shape.of(-1)));
            final Operand<TFloat32> ce = tf.nn.softmaxCrossEntropyWithLogits(net.trainLogits, oneHot).loss();
            final Operand<TFloat32> loss = tf.math.div(
                tf.reduceSum(tf.math.mul(ce, weights), tf.constant(0)),
                tf.math.add(tf.reduceSum(weights, tf.constant(0)), tf.constant(1e-12f)));
            final Op minimize = new Adam(graph, options.learningRate()).minimize(loss);
            try (Session session = NetSession.open(graph, options.threads()))
            {
                session.initialize();
                NetSession.assign(session, net, options.initFrom() != null ? options.initFrom().weights() :
                    net.initialValues(options.seed() * 31 + 4));
                final Random shuffle = new Random(options.seed() * 31 + 5);
                final int[] order = new int[train.size()];
                for (int i = 0; i < order.length; i++)
                {
                    order[i] = i;
                }
                final ImageBatch images = new ImageBatch(batch, cells);
                final float[] hot = new float[batch * classes];
                final float[] w = new float[batch];
                final float[] logits = new float[batch * classes];
                double bestLoss = Double.MAX_VALUE;
                double bestF1 = -1;
                fit.stoppedBy = "max-epochs";
                for (int epoch = 1; epoch <= options.epochs(); epoch++)
                {
                    final long epochStart = System.nanoTime();
                    for (int i = order.length - 1; i > 0; i--)
                    {
                        final int j = shuffle.nextInt(i + 1);
                        final int t = order[i];
                        order[i] = order[j];
                        order[j] = t;
                    }
                    double lossSum = 0;
                    double weightSum = 0;
                    long correct = 0;
                    long lastShown = System.nanoTime();
                    for (int from = 0; from < order.length; from += batch)
                    {
                        final int n = Math.min(batch, order.length - from);
                        images.fill(train, order, from, n);
                        Arrays.fill(hot, 0f);
                        float bw = 0;
                        for (int k = 0; k < n; k++)
                        {
                            final int label = train.get(order[from + k]).label();
                            hot[k * classes + label] = 1f;
                            w[k] = sampleWeights[order[from + k]];
                            bw += w[k];
                        }
                        try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, r, r, 1), DataBuffers.of(images.buffer, true, false).narrow((long)n * cells));
                             TFloat32 y = TFloat32.tensorOf(Shape.of(n, classes), DataBuffers.of(hot, true, false).narrow((long)n * classes));
                             TFloat32 wt = TFloat32.tensorOf(Shape.of(n), DataBuffers.of(w, true, false).narrow(n));
                             TFloat32 flow = NetSession.flowTensor(net, images.flows, n);
                             Result result = feedFlows(session.runner(), net, flow).feed(net.trainInput, x).feed(oneHot, y)
                                 .feed(weights, wt).addTarget(minimize).fetch(loss).fetch(net.trainLogits).run())
                        {
                            final float batchLoss = ((TFloat32)result.get(0)).getFloat();
                            lossSum += batchLoss * bw;
                            weightSum += bw;
                            ((TFloat32)result.get(1)).copyTo(DataBuffers.of(logits, false, false).narrow((long)n * classes));
                        }
                        for (int k = 0; k < n; k++)
                        {
                            if (argMax(logits, k * classes, classes) == train.get(order[from + k]).label())
                            {
                                correct++;
                            }
                        }
                        if (progress != null && System.nanoTime() - lastShown > 1_000_000_000L)
                        {
                            lastShown = System.nanoTime();
                            progress.printf("\repoch %d/%d [%3d%%] loss %.4f acc %.4f   ", epoch, options.epochs(),
                                (from + n) * 100 / order.length, lossSum / Math.max(1e-12, weightSum),
                                (double)correct / (from + n));
                            progress.flush();
                        }
                    }
                    final double trainLoss = lossSum / Math.max(1e-12, weightSum);
                    final double trainAcc = (double)correct / order.length;
                    double valLoss = Double.NaN;
                    final Evaluation e = new Evaluation(labels);
                    boolean improved = false;
                    if (!val.isEmpty())
                    {
                        valLoss = evaluate((imgs, flows, n) -> NetSession.scores(session, net, imgs, flows, n), val, cells, classes,
                            classWeights, e, batch);
                        if (options.monitor() == TrainingOptions.Monitor.NONE)
                        {
                            improved = true;
                        }
                        else if (options.monitor() == TrainingOptions.Monitor.MACRO_F1)
                        {
                            final double f1 = e.macroF1();
                            if (f1 > bestF1 || (f1 == bestF1 && valLoss < bestLoss))
                            {
                                bestF1 = f1;
                                bestLoss = valLoss;
                                improved = true;
                            }
                        }
                        else if (valLoss < bestLoss)
                        {
                            bestLoss = valLoss;
                            improved = true;
                        }
                    }
                    else
                    {
                        improved = true; // no validation: keep the last epoch
                    }
                    if (improved)
                    {
                        fit.best = NetSession.read(session, net);
                        fit.bestEpoch = epoch;
                    }
                    fit.epochsRun = epoch;
                    final double secs = (System.nanoTime() - epochStart) / 1e9;
                    fit.history.add(new EpochStats(epoch, trainLoss, trainAcc, valLoss, val.isEmpty() ? Double.NaN : e.accuracy(),
                        val.isEmpty() ? Double.NaN : e.macroF1(), secs));
                    if (progress != null)
                    {
                        progress.printf("\repoch %d/%d train loss %.4f acc %.4f | val loss %.4f acc %.4f macro-F1 %.4f%s  %.1fs%n",
                            epoch, options.epochs(), trainLoss, trainAcc, valLoss, e.accuracy(), e.macroF1(),
                            improved ? " *" : "", secs);
                        progress.flush();
                    }
                    if (!val.isEmpty() && options.monitor() != TrainingOptions.Monitor.NONE &&
                        epoch - fit.bestEpoch >= options.patience())
                    {
                        fit.stoppedBy = "early-stopping";
                        break;
                    }
                    if (options.maxTrainingSeconds() > 0 && (System.nanoTime() - started) / 1e9 >= options.maxTrainingSeconds())
                    {
                        fit.stoppedBy = epoch == options.epochs() ? "max-epochs" : "time-budget";
                        break;
                    }
                }
            }
        }
        return fit;
    }

    private static Session.Runner feedFlows(final Session.Runner runner, final FlowPicNet net, final TFloat32 flow)
    {
        return flow == null ? runner : runner.feed(net.flowInput, flow);
    }

    @FunctionalInterface
    interface Scorer
    {
        float[] scores(float[] images, float[] flows, int n);
    }

    static double evaluate(
        final Scorer scorer, final List<BlockSample> samples, final int cells, final int classes,
        final float[] classWeights, final Evaluation into, final int batch)
    {
        return evaluate(scorer, samples, cells, classes, classWeights, into, batch, null);
    }

    /**
     * Scores every sample, fills the confusion matrix and returns the class-weighted cross-entropy; when
     * {@code scoresOut} is given, each sample's scores are copied there in sample order.
     */
    static double evaluate(
        final Scorer scorer, final List<BlockSample> samples, final int cells, final int classes,
        final float[] classWeights, final Evaluation into, final int batch, final float[] scoresOut)
    {
        final int[] order = new int[samples.size()];
        for (int i = 0; i < order.length; i++)
        {
            order[i] = i;
        }
        final ImageBatch images = new ImageBatch(batch, cells);
        double lossSum = 0;
        double weightSum = 0;
        for (int from = 0; from < order.length; from += batch)
        {
            final int n = Math.min(batch, order.length - from);
            images.fill(samples, order, from, n);
            final float[] scores = scorer.scores(images.buffer, images.flows, n);
            if (scoresOut != null)
            {
                System.arraycopy(scores, 0, scoresOut, from * classes, n * classes);
            }
            for (int k = 0; k < n; k++)
            {
                final int label = samples.get(from + k).label();
                final float p = scores[k * classes + label];
                lossSum += classWeights[label] * -Math.log(Math.max(p, 1e-7f));
                weightSum += classWeights[label];
                into.add(label, argMax(scores, k * classes, classes));
            }
        }
        return lossSum / Math.max(1e-12, weightSum);
    }

    static int argMax(final float[] a, final int offset, final int n)
    {
        int best = 0;
        for (int i = 1; i < n; i++)
        {
            if (a[offset + i] > a[offset + best])
            {
                best = i;
            }
        }
        return best;
    }

    /**
     * A reusable batch of normalised images. Work is proportional to packets, not R*R: raw counts come
     * from the flow table's own {@code addCountsTo}, then log1p is applied to touched cells only, and the
     * next fill zeroes only the cells the previous one touched.
     */
    static final class ImageBatch
    {
        final float[] buffer;
        final float[] flows;
        private final int cells;
        private final List<BlockSample> lastSamples = new ArrayList<>();

        ImageBatch(final int batch, final int cells)
        {
            this.buffer = new float[batch * cells];
            this.flows = new float[batch * FlowDescriptors.WIDTH];
            this.cells = cells;
        }

        void fill(final List<BlockSample> samples, final int[] order, final int from, final int n)
        {
            for (int k = 0; k < lastSamples.size(); k++)
            {
                final var block = lastSamples.get(k).block();
                final int base = k * cells;
                for (int c = 0; c < block.cellCount(); c++)
                {
                    buffer[base + block.cellAt(c)] = 0f;
                }
            }
            lastSamples.clear();
            for (int k = 0; k < n; k++)
            {
                final BlockSample sample = samples.get(order[from + k]);
                lastSamples.add(sample);
                FlowDescriptors.fill(sample.block(), flows, k * FlowDescriptors.WIDTH);
                final int base = k * cells;
                sample.addCountsTo(buffer, base);
                final var block = sample.block();
                // Mark transformed cells negative so repeated cells are transformed once, then flip back.
                for (int c = 0; c < block.cellCount(); c++)
                {
                    final int i = base + block.cellAt(c);
                    if (buffer[i] > 0f)
                    {
                        buffer[i] = (float)-Math.log1p(buffer[i]);
                    }
                }
                for (int c = 0; c < block.cellCount(); c++)
                {
                    final int i = base + block.cellAt(c);
                    if (buffer[i] < 0f)
                    {
                        buffer[i] = -buffer[i];
                    }
                }
            }
        }
    }

    /** Fits the serving temperature on the validation blocks' scores (see {@link TemperatureFit}). */
    private ModelMetadata.Calibration calibrate(
        final TrainedModel model, final List<BlockSample> samples, final int cells, final int classes)
    {
        final int batch = options.batchSize();
        final int[] order = new int[samples.size()];
        final int[] labels = new int[samples.size()];
        for (int i = 0; i < order.length; i++)
        {
            order[i] = i;
            labels[i] = samples.get(i).label();
        }
        final float[] scores = new float[samples.size() * classes];
        final ImageBatch images = new ImageBatch(batch, cells);
        for (int from = 0; from < order.length; from += batch)
        {
            final int n = Math.min(batch, order.length - from);
            images.fill(samples, order, from, n);
            System.arraycopy(model.scores(images.buffer, images.flows, n), 0, scores, from * classes, n * classes);
        }
        return TemperatureFit.fit(scores, labels, classes);
    }

    /**
     * Each training block's loss weight: its class weight and, with source balancing, a share that gives every
     * source of a class the same total weight, so that one large source (one lab, one app) does not teach the
     * class as it looks there only.
     */
    static float[] sampleWeights(final List<BlockSample> train, final float[] classWeights, final boolean balanceSources)
    {
        final float[] weights = new float[train.size()];
        final Map<String, Integer> perSourceAndLabel = new java.util.HashMap<>();
        final Map<Integer, Set<String>> sourcesOfLabel = new java.util.HashMap<>();
        final int[] perLabel = new int[classWeights.length];
        for (final BlockSample b : train)
        {
            final String source = FlowSession.sourceOf(b.pcapName());
            perSourceAndLabel.merge(b.label() + "/" + source, 1, Integer::sum);
            sourcesOfLabel.computeIfAbsent(b.label(), k -> new TreeSet<>()).add(source);
            perLabel[b.label()]++;
        }
        for (int i = 0; i < weights.length; i++)
        {
            final BlockSample b = train.get(i);
            float w = classWeights[b.label()];
            if (balanceSources)
            {
                final int inGroup = perSourceAndLabel.get(b.label() + "/" + FlowSession.sourceOf(b.pcapName()));
                w *= (float)perLabel[b.label()] / (sourcesOfLabel.get(b.label()).size() * (float)inGroup);
            }
            weights[i] = w;
        }
        return weights;
    }

    private static int[] countLabels(final List<BlockSample> samples, final int classes)
    {
        final int[] counts = new int[classes];
        for (final BlockSample s : samples)
        {
            counts[s.label()]++;
        }
        return counts;
    }

    private static Map<String, Integer> toMap(final List<String> labels, final int[] counts)
    {
        final Map<String, Integer> m = new LinkedHashMap<>();
        for (int c = 0; c < labels.size(); c++)
        {
            m.put(labels.get(c), counts[c]);
        }
        return m;
    }

    private static String perClass(final List<String> labels, final int[] counts)
    {
        return toMap(labels, counts).toString();
    }

    private static String weightsHash(final float[][] weights)
    {
        try
        {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (final float[] w : weights)
            {
                final ByteBuffer buf = ByteBuffer.allocate(w.length * 4);
                buf.asFloatBuffer().put(w);
                sha.update(buf);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectMapper json()
    {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static void writeMetadata(
        final Path out, final String modelId, final List<String> labels, final FlowPicSpec spec, final Features features,
        final ModelMetadata.Calibration calibration) throws IOException
    {
        new ModelMetadata(FORMAT_VERSION, modelId, labels, spec.resolution(), spec.blockSeconds(), spec.maxPacketSize(),
            Normalization.LOG1P, TrainedModel.SIGNATURE_KEY, TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME,
            features.transport() ? FlowPicNet.FLOW_INPUT_NAME : null, calibration).write(out);
    }

    private void writeReport(
        final Path out, final String modelId, final List<String> labels, final FlowPicSpec spec, final Fit fit,
        final Evaluation evaluation, final boolean bySource, final Set<String> validationGroups,
        final Set<String> trainPcaps, final Set<String> valPcaps, final int[] trainCounts, final int[] augmented,
        final int[] valCounts, final float[] classWeights, final LabeledSessions data, final int sessionsKept,
        final SessionBlocks blocker, final double seconds) throws IOException
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("modelId", modelId);
        r.put("labels", labels);
        final Map<String, Object> files = new LinkedHashMap<>();
        options.dataFiles().forEach((label, paths) -> files.put(label, paths.stream().map(Path::toString).toList()));
        r.put("dataFiles", files);
        final Map<String, Long> skipped = new LinkedHashMap<>();
        data.skippedRows().forEach((p, n) -> skipped.put(p.toString(), n));
        r.put("skippedRows", skipped);
        r.put("sessionsRead", data.sessions().size());
        r.put("sessionsUsed", sessionsKept);
        final Map<String, Object> s = new LinkedHashMap<>();
        s.put("resolution", spec.resolution());
        s.put("blockSeconds", spec.blockSeconds());
        s.put("maxPacketSize", spec.maxPacketSize());
        s.put("minPackets", spec.minPackets());
        s.put("idleTimeoutSeconds", options.idleTimeoutSeconds());
        r.put("spec", s);
        r.put("architecture", options.architecture().id());
        r.put("normalization", Normalization.LOG1P);
        r.put("parameters", options.describe());
        r.put("epochsRun", fit.epochsRun);
        r.put("bestEpoch", fit.bestEpoch);
        r.put("stoppedBy", fit.stoppedBy);
        r.put("trainingSeconds", Math.round(seconds * 10) / 10.0);
        final List<Map<String, Object>> history = new ArrayList<>();
        for (final EpochStats e : fit.history)
        {
            final Map<String, Object> h = new LinkedHashMap<>();
            h.put("epoch", e.epoch());
            h.put("trainLoss", finite(e.trainLoss()));
            h.put("trainAccuracy", finite(e.trainAccuracy()));
            h.put("validationLoss", finite(e.valLoss()));
            h.put("validationAccuracy", finite(e.valAccuracy()));
            h.put("validationMacroF1", finite(e.valMacroF1()));
            h.put("seconds", Math.round(e.seconds() * 100) / 100.0);
            history.add(h);
        }
        r.put("history", history);
        final Map<String, Object> split = new LinkedHashMap<>();
        split.put("groupBy", bySource ? "source" : "pcap");
        split.put("validationGroups", new ArrayList<>(validationGroups));
        split.put("blocksQualifying", blocker.qualifyingBlocks());
        split.put("blocksBelowMinPackets", blocker.rejectedBlocks());
        split.put("train", side(trainPcaps, toMap(labels, trainCounts), toMap(labels, augmented)));
        split.put("validation", side(valPcaps, toMap(labels, valCounts), null));
        r.put("split", split);
        r.put("classWeights", toFloatMap(labels, classWeights));
        final Map<String, Object> v = new LinkedHashMap<>();
        v.put("blocks", evaluation.total());
        v.put("accuracy", evaluation.accuracy());
        v.put("macroF1", evaluation.macroF1());
        v.put("majorityRate", evaluation.majorityRate());
        v.put("perClass", evaluation.perClass());
        v.put("confusionMatrix", evaluation.confusion());
        v.put("confusionMatrixLayout", "rows = true label, columns = predicted label, both in labels order");
        r.put("validation", v);
        json().writeValue(out.resolve(REPORT_FILE).toFile(), r);
    }

    private static Map<String, Object> side(
        final Set<String> pcaps, final Map<String, Integer> blocks, final Map<String, Integer> augmented)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        final Set<String> sources = new TreeSet<>();
        for (final String p : pcaps)
        {
            sources.add(FlowSession.sourceOf(p));
        }
        m.put("sources", new ArrayList<>(sources));
        m.put("pcapNames", new ArrayList<>(pcaps));
        m.put("blocksPerClass", blocks);
        if (augmented != null)
        {
            m.put("augmentedBlocksPerClass", augmented);
        }
        return m;
    }

    private static Map<String, Float> toFloatMap(final List<String> labels, final float[] values)
    {
        final Map<String, Float> m = new LinkedHashMap<>();
        for (int c = 0; c < labels.size(); c++)
        {
            m.put(labels.get(c), values[c]);
        }
        return m;
    }

    private static Double finite(final double v)
    {
        return Double.isFinite(v) ? v : null;
    }
}
