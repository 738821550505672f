package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.inference.ConfidenceThreshold;
import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelMetadata;
import io.flowpic.sensor.journal.JournalWriter;
import io.flowpic.sensor.journal.LabelRecord;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Batches finished blocks into one SavedModel call and journals one record per block.
 * <p>
 * In replay a batch is cut only by count (or at end of input) so a replay always forms the same
 * batches and writes the same journal; live, a partial batch also goes out after {@code maxWait}
 * so a quiet network still gets timely labels.
 */
public final class InferenceAgent implements Agent
{
    /** Caps one batch's input tensor (R = 1500 images are 2.25 M floats each). */
    private static final int MAX_BATCH_FLOATS = 16 * 1024 * 1024;

    private final BlockHandoff handoff;
    private final JournalWriter journal;
    private final SensorCounters counters;
    private final BooleanSupplier producerFinished;
    private final EpochNanoClock clock;
    private final long maxWaitNanos;
    private final boolean countOnlyBatches;
    private final FlowPicBlock[] batch;
    private final LabelRecord record = new LabelRecord();
    private final int batchSize;
    /** The first model belongs to whoever created the agent; models swapped in belong to the agent. */
    private boolean closeReplacedModels;
    private FlowPicClassifier classifier;
    private String[] labels;
    private AtomicLongArray labelCounts;
    private float[] counts;
    private float[] flows;
    private float[] scores;
    private int batchCount;
    private long batchStartedNanos;
    private volatile boolean finished;
    /** flowpic.min-confidence: set at start and on reload, read once per block. */
    private volatile double minConfidence;
    private final java.util.concurrent.atomic.AtomicLong unknownCount = new java.util.concurrent.atomic.AtomicLong();
    private volatile String modelId;
    private final AtomicReference<FlowPicClassifier> pendingModel = new AtomicReference<>();

    /**
     * Built from the context: live, a partial batch goes out after max-wait and latencies are recorded; in replay
     * batches are cut by count only. The classifier stays the caller's to close.
     *
     * @param producerFinished true once every flow agent has handed over its last block.
     */
    public InferenceAgent(
        final PipelineContext context,
        final FlowPicClassifier classifier,
        final BlockHandoff handoff,
        final JournalWriter journal,
        final BooleanSupplier producerFinished)
    {
        this.handoff = handoff;
        this.journal = journal;
        this.counters = context.counters();
        this.maxWaitNanos = context.maxWaitNanos();
        this.countOnlyBatches = context.isReplay();
        this.producerFinished = producerFinished;
        this.clock = context.clock();
        final int batchSize = context.batchSize();
        final int cells = classifier.metadata().resolution() * classifier.metadata().resolution();
        this.batchSize = Math.max(1, Math.min(batchSize, MAX_BATCH_FLOATS / cells));
        batch = new FlowPicBlock[this.batchSize];
        useModel(classifier);
    }

    private void useModel(final FlowPicClassifier classifier)
    {
        final ModelMetadata metadata = classifier.metadata();
        this.classifier = classifier;
        labels = metadata.labels().toArray(new String[0]);
        labelCounts = new AtomicLongArray(labels.length);
        final int cells = metadata.resolution() * metadata.resolution();
        counts = new float[batchSize * cells];
        flows = new float[batchSize * FlowDescriptors.WIDTH];
        scores = new float[batchSize * labels.length];
        record.modelId = metadata.modelId();
        modelId = metadata.modelId();
        record.scoreLabels = labels;
        record.scores = new float[labels.length];
    }

    public String roleName()
    {
        return "flowpic-inference";
    }

    public int doWork()
    {
        if (finished)
        {
            return 0;
        }
        int work = 0;
        if (batchCount == 0)
        {
            work += swapModelIfOffered();
        }
        FlowPicBlock block;
        while (batchCount < batchSize && (block = handoff.poll()) != null)
        {
            if (batchCount == 0)
            {
                batchStartedNanos = clock.nanoTime();
            }
            batch[batchCount++] = block;
            work++;
        }
        if (batchCount == batchSize)
        {
            classifyBatch();
            return work + 1;
        }
        final boolean producerDone = producerFinished.getAsBoolean();
        if (batchCount > 0 && (producerDone ||
            (!countOnlyBatches && clock.nanoTime() - batchStartedNanos >= maxWaitNanos)))
        {
            if (producerDone && handoff.pendingCount() > 0)
            {
                return work; // more blocks still arriving from the final flush: keep batches full
            }
            classifyBatch();
            return work + 1;
        }
        if (producerDone && batchCount == 0 && handoff.pendingCount() == 0)
        {
            finished = true;
        }
        return work;
    }

    /**
     * Hands a loaded, validated model over; the agent switches to it between batches and closes the
     * one it replaces. A model offered while another is still pending replaces (and closes) it.
     */
    public void offerModel(final FlowPicClassifier next)
    {
        final FlowPicClassifier previous = pendingModel.getAndSet(next);
        if (previous != null)
        {
            previous.close();
        }
    }

    private int swapModelIfOffered()
    {
        final FlowPicClassifier next = pendingModel.getAndSet(null);
        if (next == null)
        {
            return 0;
        }
        final FlowPicClassifier old = classifier;
        useModel(next);
        if (closeReplacedModels)
        {
            old.close();
        }
        closeReplacedModels = true;
        return 1;
    }

    /**
     * A block whose top (calibrated) score is below {@code threshold} is journaled as
     * {@link ConfidenceThreshold#UNKNOWN}, with every score; 0 = off. Takes effect from the next block.
     */
    public void minConfidence(final double threshold)
    {
        minConfidence = threshold;
    }

    /** Id of the model classifying now. */
    public String modelId()
    {
        return modelId;
    }

    private void classifyBatch()
    {
        final int n = batchCount;
        final int cells = classifier.metadata().resolution() * classifier.metadata().resolution();
        Arrays.fill(counts, 0, n * cells, 0f);
        for (int i = 0; i < n; i++)
        {
            batch[i].addCountsTo(counts, i * cells);
            FlowDescriptors.fill(batch[i], flows, i * FlowDescriptors.WIDTH);
        }
        classifier.classify(counts, flows, n, scores);
        counters.inferenceBatches.incrementRelease();
        final int classes = labels.length;
        for (int i = 0; i < n; i++)
        {
            final FlowPicBlock block = batch[i];
            int best = 0;
            for (int c = 0; c < classes; c++)
            {
                final float score = scores[i * classes + c];
                record.scores[c] = score;
                if (score > scores[i * classes + best])
                {
                    best = c;
                }
            }
            final boolean labelled = fillRecord(block, best);
            try
            {
                if (!journal.append(record))
                {
                    counters.journalErrors.incrementRelease();
                }
                else
                {
                    counters.journalRecords.incrementRelease();
                    if (!countOnlyBatches)
                    {
                        // Live blocks end on the wall clock, so this is the delay a journal reader sees.
                        final long now = clock.nanoTime();
                        counters.blockLatency.record(now - block.endNanos);
                        if (block.finishedNanos != 0)
                        {
                            counters.finishLatency.record(now - block.finishedNanos);
                        }
                    }
                }
            }
            catch (final RuntimeException ex)
            {
                counters.journalErrors.incrementRelease();
            }
            if (labelled)
            {
                labelCounts.incrementAndGet(best);
            }
            else
            {
                unknownCount.incrementAndGet();
            }
            counters.blocksClassified.incrementRelease();
            batch[i] = null;
            handoff.release(block);
        }
        batchCount = 0;
    }

    /** @return false when the block is journaled as unknown (its top score below min-confidence). */
    private boolean fillRecord(final FlowPicBlock block, final int best)
    {
        record.startNanos = block.startNanos;
        record.endNanos = block.endNanos;
        record.ipVersion = block.ipVersion;
        LabelRecord.putAddress(block.ipVersion, block.srcHi, block.srcLo, record.srcAddress);
        LabelRecord.putAddress(block.ipVersion, block.dstHi, block.dstLo, record.dstAddress);
        record.srcPort = block.srcPort;
        record.dstPort = block.dstPort;
        record.protocol = block.protocol;
        record.packets = block.packets;
        record.bytes = block.bytes;
        record.confidence = record.scores[best];
        final boolean labelled = ConfidenceThreshold.keepsLabel(record.confidence, minConfidence);
        record.label = labelled ? labels[best] : ConfidenceThreshold.UNKNOWN;
        return labelled;
    }

    public boolean isFinished()
    {
        return finished;
    }

    /** Stopped before the hand-off ran dry (shutdown deadline): what was never journaled is counted as dropped. */
    public void onClose()
    {
        if (!finished)
        {
            counters.blocksDropped.getAndAddRelease(batchCount + handoff.pendingCount());
        }
    }

    /** Closes a model that was swapped in (the first one stays its creator's to close). */
    public void closeSwappedModel()
    {
        if (closeReplacedModels)
        {
            classifier.close();
        }
        final FlowPicClassifier pending = pendingModel.getAndSet(null);
        if (pending != null)
        {
            pending.close();
        }
    }

    public String[] labels()
    {
        return labels.clone();
    }

    /** Blocks journaled as {@link ConfidenceThreshold#UNKNOWN} (below flowpic.min-confidence). */
    public long unknownCount()
    {
        return unknownCount.get();
    }

    /** Blocks journaled per label, in {@link #labels()} order (not counting those journaled as unknown). */
    public long labelCount(final int index)
    {
        return labelCounts.get(index);
    }
}
