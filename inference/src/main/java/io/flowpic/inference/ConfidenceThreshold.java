package io.flowpic.inference;

/**
 * The {@code flowpic.min-confidence} rule, shared by the sensor (which journals the label) and {@code evaluate}
 * (which measures what the rule would do): a block whose top calibrated score is below the threshold gets the label
 * {@value #UNKNOWN} instead of its top class. A threshold of 0 is off, since no score is below it.
 */
public final class ConfidenceThreshold
{
    /** The label of a block no class is confident enough for; reserved, no model may use it. */
    public static final String UNKNOWN = "unknown";

    private ConfidenceThreshold()
    {
    }

    /** Whether a block whose top score is {@code topScore} keeps its top class at {@code threshold}. */
    public static boolean keepsLabel(final double topScore, final double threshold)
    {
        return topScore >= threshold;
    }
}
