package io.flowpic.inference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * Not a correctness test: measures classify() throughput. Run with
 * {@code mvn -B -q -pl inference -am test -Dtest=ThroughputBenchmark -Dflowpic.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "flowpic.bench", matches = "true")
class ThroughputBenchmark {

    @TempDir
    Path tmp;

    @Test
    void throughput() throws Exception {
        int r = Integer.getInteger("flowpic.bench.resolution", 32);
        ModelMetadata md = TestModels.metadata(r);
        FixedWeightModelWriter.write(tmp, md, 42);
        int threads = Integer.getInteger("flowpic.bench.threads", 0);
        try (FlowPicClassifier c = FlowPicClassifier.load(tmp, threads)) {
            for (int batch : new int[] {1, 16, 64, 256}) {
                float[] imgs = FlowPicClassifierTest.images(batch, r);
                float[] out = new float[batch * md.numClasses()];
                long warmEnd = System.nanoTime() + 1_000_000_000L;
                while (System.nanoTime() < warmEnd) {
                    c.classify(imgs, batch, out);
                }
                long calls = 0;
                long start = System.nanoTime();
                long end = start + 3_000_000_000L;
                long now;
                do {
                    c.classify(imgs, batch, out);
                    calls++;
                } while ((now = System.nanoTime()) < end);
                double secs = (now - start) / 1e9;
                System.out.printf("BENCH R=%d threads=%d batch=%4d: %10.0f images/s  (%.3f ms/call, %d calls)%n",
                        r, threads, batch, calls * batch / secs, secs * 1e3 / calls, calls);
            }
        }
    }
}
