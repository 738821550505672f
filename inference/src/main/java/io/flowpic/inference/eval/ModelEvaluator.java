package io.flowpic.inference.eval;

import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelMetadata;
import io.flowpic.inference.dataset.FlowCsvException;
import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.SessionBlocks;
import io.flowpic.inference.train.Evaluation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Classifies every qualifying block of every session of labelled FlowPic CSV files with a model, using the
 * model's own FlowPic shape (resolution, block length, maximum size from its metadata) and the sensor's flow
 * table (through {@link SessionBlocks}), and accumulates the confusion matrix. Raw counts go to the classifier,
 * which applies the model's normalisation. Single-threaded; blocks are classified in batches.
 */
public final class ModelEvaluator
{
    /** Called after each session with running totals. */
    @FunctionalInterface
    public interface Progress
    {
        void update(long sessions, long blocks);
    }

    private final FlowPicClassifier classifier;
    private final FlowPicSpec spec;
    private final SessionBlocks blocks;
    private final Evaluation evaluation;
    private final ConfidenceCurve confidence = new ConfidenceCurve();
    private final int batch;
    private final int cells;
    private final int classes;
    private final float[] counts;
    private final float[] flows;
    private final int[] trueLabels;
    private final float[] scores;
    private int pending;
    private long sessions;
    private Progress progress = (s, b) -> { };

    public ModelEvaluator(final FlowPicClassifier classifier, final int minPackets, final int batch)
    {
        final ModelMetadata md = classifier.metadata();
        this.classifier = classifier;
        this.spec = new FlowPicSpec(md.resolution(), md.blockSeconds(), md.maxPacketSize(), minPackets);
        this.blocks = new SessionBlocks(spec);
        this.evaluation = new Evaluation(md.labels());
        this.batch = Math.max(1, batch);
        this.cells = spec.cellsPerImage();
        this.classes = md.numClasses();
        this.counts = new float[this.batch * cells];
        this.flows = new float[this.batch * FlowDescriptors.WIDTH];
        this.trueLabels = new int[this.batch];
        this.scores = new float[this.batch * classes];
    }

    public FlowPicSpec spec()
    {
        return spec;
    }

    public ModelEvaluator progress(final Progress progress)
    {
        this.progress = progress;
        return this;
    }

    /** @return the index of {@code label} in the model's labels. */
    public int labelIndex(final String label)
    {
        final int index = evaluation.labels().indexOf(label);
        if (index < 0)
        {
            throw new IllegalArgumentException("data label '" + label + "' is not one of the model's labels " +
                evaluation.labels());
        }
        return index;
    }

    /**
     * Classifies every qualifying block of every session in the file as true label {@code label}.
     *
     * @return rows skipped as malformed (skip mode only).
     */
    public long addFile(final String label, final Path file, final boolean skipBadRows) throws IOException, FlowCsvException
    {
        final int truth = labelIndex(label);
        try (FlowCsvReader reader = FlowCsvReader.open(file, skipBadRows))
        {
            FlowSession session;
            while ((session = reader.next()) != null)
            {
                addSession(truth, session);
            }
            return reader.rowsSkipped();
        }
    }

    public void addSession(final int truth, final FlowSession session)
    {
        blocks.forEachBlock(session, block -> add(truth, block));
        sessions++;
        progress.update(sessions, blocks.qualifyingBlocks());
    }

    private void add(final int truth, final FlowPicBlock block)
    {
        block.addCountsTo(counts, pending * cells);
        FlowDescriptors.fill(block, flows, pending * FlowDescriptors.WIDTH);
        trueLabels[pending++] = truth;
        if (pending == batch)
        {
            flush();
        }
    }

    private void flush()
    {
        if (pending == 0)
        {
            return;
        }
        classifier.classify(counts, flows, pending, scores);
        for (int i = 0; i < pending; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (scores[i * classes + c] > scores[i * classes + best])
                {
                    best = c;
                }
            }
            evaluation.add(trueLabels[i], best);
            confidence.add(scores[i * classes + best], best == trueLabels[i]);
        }
        Arrays.fill(counts, 0, pending * cells, 0f);
        pending = 0;
    }

    /** Classifies the last partial batch and returns the evaluation. */
    public Evaluation finish()
    {
        flush();
        return evaluation;
    }

    /** Top scores and their correctness of every block classified so far (complete after {@link #finish()}). */
    public ConfidenceCurve confidence()
    {
        return confidence;
    }

    public long sessions()
    {
        return sessions;
    }

    public long blocksTooSmall()
    {
        return blocks.rejectedBlocks();
    }
}
