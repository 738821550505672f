package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.inference.ModelMetadata;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds and loads the model a config names. "default" is the model shipped with FlowPic, found
 * under the installation's home ({@code flowpic.home}, set by the launcher) as {@code model/default}.
 */
public final class ModelLocator
{
    public static final String DEFAULT = "default";
    public static final String HOME_PROPERTY = "flowpic.home";

    private ModelLocator()
    {
    }

    public static Path resolve(final String path) throws ModelException
    {
        if (!DEFAULT.equals(path))
        {
            return Path.of(path);
        }
        final String home = System.getProperty(HOME_PROPERTY);
        if (home == null)
        {
            throw new ModelException("model 'default': system property " + HOME_PROPERTY +
                " is not set (start FlowPic with its launcher, or pass --model DIR)");
        }
        final Path dir = Path.of(home, "model", "default");
        if (!Files.isDirectory(dir))
        {
            throw new ModelException("model 'default': no default model at " + dir +
                " (pass --model DIR, or train one with 'flowpic train')");
        }
        return dir;
    }

    /**
     * Loads the model and refuses it when it was made for another FlowPic shape than the config's. TensorFlow's
     * intra-op and inter-op pools get {@code threads} threads each (inference.threads): by default they take
     * every core, which the capture and flow threads need.
     */
    public static FlowPicClassifier load(final String path, final FlowPicSpec spec, final int threads)
        throws ModelException
    {
        final Path dir = resolve(path);
        NativeLogs.quiet(threads);
        final FlowPicClassifier classifier = FlowPicClassifier.load(dir, threads);
        final ModelMetadata metadata = classifier.metadata();
        final String where = "model " + dir + " (" + ModelMetadata.FILE_NAME + ")";
        String mismatch = null;
        if (metadata.resolution() != spec.resolution())
        {
            mismatch = where + " expects resolution " + metadata.resolution() +
                " but 'flowpic.resolution' is " + spec.resolution();
        }
        else if (metadata.blockSeconds() != spec.blockSeconds())
        {
            mismatch = where + " expects block-seconds " + metadata.blockSeconds() +
                " but 'flowpic.block-seconds' is " + spec.blockSeconds();
        }
        else if (metadata.maxPacketSize() != spec.maxPacketSize())
        {
            mismatch = where + " expects max-packet-size " + metadata.maxPacketSize() +
                " but 'flowpic.max-packet-size' is " + spec.maxPacketSize();
        }
        if (mismatch != null)
        {
            classifier.close();
            throw new ModelException(mismatch);
        }
        return classifier;
    }
}
