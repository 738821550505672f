package io.flowpic.inference.train;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;

/**
 * Not a unit test: the full training run on all shared CSV files, only when asked for with
 * {@code -Dflowpic.train.out=DIR} (optionally {@code -Dflowpic.train.valSources=a,b},
 * {@code -Dflowpic.train.augment=N}, {@code -Dflowpic.train.epochs=N}, {@code -Dflowpic.train.seed=N}, {@code -Dflowpic.train.splitBy=PCAP|SOURCE}, {@code -Dflowpic.train.monitor=LOSS|MACRO_F1}).
 */
class FullSharedTrainingRun
{
    @Test
    void trainOnAllSharedData() throws Exception
    {
        final String out = System.getProperty("flowpic.train.out");
        Assumptions.assumeTrue(out != null && !out.isBlank(), "full training run only with -Dflowpic.train.out=DIR");
        final Path csv = SharedDataTrainingTest.sharedCsvDir();
        Assumptions.assumeTrue(csv != null, "shared data absent");
        final TrainingOptions options = new TrainingOptions()
            .outputDir(Path.of(out))
            .modelName("flowpic-mini32")
            .resolution(32).blockSeconds(15).minPackets(10)
            .epochs(Integer.getInteger("flowpic.train.epochs", 40)).patience(8).batchSize(64).learningRate(1e-3f)
            .splitBy(TrainingOptions.SplitBy.valueOf(System.getProperty("flowpic.train.splitBy", "SOURCE"))).validationFraction(0.3)
            .augmentCopies(Integer.getInteger("flowpic.train.augment", 2))
            .seed(Long.getLong("flowpic.train.seed", 42L))
            .monitor(TrainingOptions.Monitor.valueOf(System.getProperty("flowpic.train.monitor", "LOSS")))
            .maxTrainingSeconds(600);
        final String sources = System.getProperty("flowpic.train.valSources", "");
        if (!sources.isBlank())
        {
            options.validationSources(new LinkedHashSet<>(Arrays.asList(sources.split(","))));
        }
        for (final String c : SharedDataTrainingTest.CLASSES)
        {
            options.addFile(csv.resolve(c + ".csv.gz"));
        }
        Trainer.train(options);
    }
}
