package io.flowpic.sensor.testing;

import io.flowpic.inference.FixedWeightModelWriter;
import io.flowpic.inference.ModelMetadata;

import java.nio.file.Path;
import java.util.List;

/** Real SavedModels with fixed weights, written by TF Java for the sensor's tests. */
public final class TestModels
{
    public static final List<String> LABELS = List.of("voip", "video", "chat", "browsing", "file_transfer");

    private TestModels()
    {
    }

    public static Path write(final Path dir, final int resolution, final int blockSeconds, final String id)
        throws Exception
    {
        final ModelMetadata metadata = new ModelMetadata(ModelMetadata.FORMAT_VERSION, id, LABELS, resolution,
            blockSeconds, 1500, "log1p", "serving_default", "flowpic", "scores");
        FixedWeightModelWriter.write(dir, metadata, 7L);
        return dir;
    }
}
