package io.flowpic.inference;

import java.util.List;

/** Shared helpers for tests. */
final class TestModels {
    private TestModels() {
    }

    static ModelMetadata metadata(int resolution, String normalization, List<String> labels) {
        return new ModelMetadata(1, "test-model-r" + resolution, labels, resolution, 15, 1500, normalization,
                "serving_default", "flowpic_input", "scores");
    }

    static ModelMetadata metadata(int resolution) {
        return metadata(resolution, "log1p", List.of("voip", "video", "chat", "browsing", "file"));
    }
}
