package io.flowpic.inference.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceCrossValidationTest
{
    private static TrainingOptions options(final Path[] files, final Path out)
    {
        final TrainingOptions options = new TrainingOptions().epochs(2).patience(1).batchSize(32).seed(7)
            .outputDir(out).progress(null);
        for (final Path f : files)
        {
            options.addFile(f);
        }
        return options;
    }

    @Test
    void aHeldOutSourceIsNeverTrainedOnAndItsBlocksNeverChooseTheEpoch(@TempDir final Path dir) throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 6, 2, 5); // sources src0, src1, src2 in every class
        final Path out = dir.resolve("held-out-src1");
        final TrainingResult result = Trainer.train(options(files, out).validationSources(Set.of("src1"))
            .monitor(TrainingOptions.Monitor.NONE).epochs(3));
        final JsonNode split = new ObjectMapper().readTree(out.resolve(Trainer.REPORT_FILE).toFile()).get("split");
        final List<String> trained = names(split.get("train").get("pcapNames"));
        final List<String> tested = names(split.get("validation").get("pcapNames"));
        // 6 captures per class, capture p in source src(p % 3): 2 per class per source, 3 classes.
        assertEquals(6, tested.size(), "held-out captures " + tested);
        assertEquals(12, trained.size(), "training captures " + trained);
        assertTrue(tested.stream().allMatch(p -> p.startsWith("src1/")), "held out: " + tested);
        assertTrue(trained.stream().noneMatch(p -> p.startsWith("src1/")), "trained on: " + trained);
        // Nothing was chosen on the held-out blocks: every epoch ran and the last one was kept.
        assertEquals(3, result.epochsRun());
        assertEquals(3, result.bestEpoch());
        assertEquals("max-epochs", result.stoppedBy());
    }

    @Test
    void everySourceIsHeldOutExactlyOnceAndEveryBlockIsScoredOnce(@TempDir final Path dir) throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 6, 2, 5);
        // Each source's qualifying blocks, counted by a plain (pcap-split) training run's report, one source at a time.
        final long[] blocksPerSource = new long[3];
        for (int s = 0; s < 3; s++)
        {
            final Path out = dir.resolve("count-src" + s);
            final TrainingResult r = Trainer.train(options(files, out).validationSources(Set.of("src" + s)).epochs(1));
            blocksPerSource[s] = r.validation().total();
        }

        final CrossValidationReport report = SourceCrossValidation.run(() -> options(files, null), dir.resolve("work"), null);
        final List<String> sources = new ArrayList<>();
        for (final CrossValidationReport.Fold fold : report.folds())
        {
            sources.add(fold.source());
        }
        assertEquals(List.of("src0", "src1", "src2"), sources);
        for (int s = 0; s < 3; s++)
        {
            assertEquals(blocksPerSource[s], report.folds().get(s).blocks(), "blocks held out with src" + s);
        }
        final long total = blocksPerSource[0] + blocksPerSource[1] + blocksPerSource[2];
        assertEquals(total, report.pooled().total());
        assertEquals(total * SyntheticFlows.CLASSES.length, report.scores().length);
        // The pooled true labels agree with the folds' confusion rows.
        final long[] perLabel = new long[SyntheticFlows.CLASSES.length];
        for (final int label : report.trueLabels())
        {
            perLabel[label]++;
        }
        final long[] fromConfusion = new long[perLabel.length];
        final long[][] pooled = report.pooled().confusion();
        for (int t = 0; t < perLabel.length; t++)
        {
            for (final long v : pooled[t])
            {
                fromConfusion[t] += v;
            }
        }
        assertArrayEquals(fromConfusion, perLabel);
        // The classes differ plainly; a model that never saw a source still gets them mostly right.
        assertTrue(report.pooled().accuracy() > 0.6, report.table());
        assertFalse(dir.resolve("work").resolve("fold-1").toFile().exists(), "fold models are not left behind");
        // The final model, trained on everything, takes its temperature from the held-out sources' scores.
        final Path model = dir.resolve("final");
        Trainer.train(options(files, model).monitor(TrainingOptions.Monitor.NONE)
            .calibrateOn(report.scores(), report.trueLabels()));
        final io.flowpic.inference.ModelMetadata.Calibration calibration =
            io.flowpic.inference.ModelMetadata.read(model).calibration();
        assertEquals(total, calibration.fittedOnBlocks(), "calibrated on the cross-validation's held-out blocks");
        final Path json = dir.resolve("cv.json");
        report.writeJson(json, options(files, null).describe());
        final JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(3, root.get("folds").size());
        assertEquals(total, root.get("pooled").get("blocks").asLong());
    }

    private static List<String> names(final JsonNode array)
    {
        final Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return new ArrayList<>(out);
    }
}
