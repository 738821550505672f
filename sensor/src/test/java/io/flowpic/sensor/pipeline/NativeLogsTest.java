package io.flowpic.sensor.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What is copied back to stderr after the warm-up: everything but TensorFlow's lines, as TensorFlow 1.1.0 writes them. */
class NativeLogsTest
{
    @Test
    void onlyTensorFlowLinesAreLeftOut(@TempDir final Path dir) throws Exception
    {
        final Path capture = Files.write(dir.resolve("capture.log"), List.of(
            "2026-11-30 06:29:34.956620: I tensorflow/core/platform/cpu_feature_guard.cc:210] This TensorFlow binary " +
                "is optimized to use available CPU instructions in performance-critical operations.",
            "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the " +
                "appropriate compiler flags.",
            "error: /tmp/notes.txt: not a pcap or pcapng capture (first bytes 0x74686973)",
            "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
            "I0000 00:00:1796020112.315960   23308 mlir_graph_optimization_pass.cc:401] MLIR V1 optimization pass " +
                "is not enabled",
            "flowpic: warning: running as root"), StandardCharsets.UTF_8);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NativeLogs.copyBack(capture, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("error: /tmp/notes.txt: not a pcap or pcapng capture (first bytes 0x74686973)\n" +
            "flowpic: warning: running as root\n", bytes.toString(StandardCharsets.UTF_8));
    }
}
