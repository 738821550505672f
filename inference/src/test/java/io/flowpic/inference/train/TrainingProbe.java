package io.flowpic.inference.train;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Trains once in a JVM of its own and prints what the training decided: the validation split, the validation
 * accuracy a digest of every trained weight's bits, and the weights themselves into OUT.weights. TrainerDeterminismTest runs it twice and compares.
 * <p>
 * Args: output directory, then the flow CSV files.
 */
public final class TrainingProbe
{
    private TrainingProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path[] files = new Path[args.length - 1];
        for (int i = 1; i < args.length; i++)
        {
            files[i - 1] = Path.of(args[i]);
        }
        final TrainingResult result = Trainer.train(TrainerDeterminismTest.options(files, Path.of(args[0]),
            Architecture.MINI, 32));
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long count = 0;
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(
            java.nio.file.Files.newOutputStream(Path.of(args[0]).resolveSibling(Path.of(args[0]).getFileName() +
                ".weights")))))
        {
            for (final float[] tensor : result.weights())
            {
                final ByteBuffer bytes = ByteBuffer.allocate(tensor.length * 4);
                for (final float w : tensor)
                {
                    bytes.putInt(Float.floatToRawIntBits(w));
                    out.writeFloat(w);
                }
                digest.update(bytes.array());
                count += tensor.length;
            }
        }
        System.out.println("PROBE split=" + result.validationGroups() + " weights=" + count +
            " sha256=" + HexFormat.of().formatHex(digest.digest()) + " accuracy=" + result.validation().accuracy());
        System.exit(0); // TensorFlow's pools would otherwise keep the JVM a while
    }
}
