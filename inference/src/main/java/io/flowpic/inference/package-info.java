/**
 * FlowPic inference: loading a TensorFlow SavedModel plus its {@code flowpic-model.json}
 * ({@link io.flowpic.inference.ModelMetadata}) and classifying batches of R x R FlowPic count images
 * ({@link io.flowpic.inference.FlowPicClassifier}).
 *
 * <p>Typical use:
 * <pre>{@code
 * try (FlowPicClassifier c = FlowPicClassifier.load(modelDir)) {      // ModelException on any problem
 *     int r = c.metadata().resolution(), k = c.metadata().labels().size();
 *     float[] counts = new float[maxBatch * r * r];                     // [i][sizeBin][timeBin] raw counts
 *     float[] scores = new float[maxBatch * k];
 *     c.classify(counts, n, scores);                                    // scores[i*k + j] = P(label j | image i)
 * }
 * }</pre>
 * Tests, here and in other modules (through this module's test jar), create a real model with
 * {@code FixedWeightModelWriter.write(Path, ModelMetadata, long)} from the test sources.
 */
package io.flowpic.inference;
