package io.flowpic.inference;

/**
 * A model directory, its SavedModel or its {@code flowpic-model.json} metadata is missing, malformed or
 * inconsistent. The message always names the offending file or directory and the field or problem.
 */
public final class ModelException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
