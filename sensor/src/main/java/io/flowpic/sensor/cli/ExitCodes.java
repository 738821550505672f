package io.flowpic.sensor.cli;

/** Process exit codes shared by every sub-command. */
final class ExitCodes
{
    static final int OK = 0;
    /** Some input could not be processed (e.g. a file that is not a capture); the rest was. */
    static final int INPUT_ERROR = 1;
    /** Picocli's usage error code. */
    static final int USAGE = 2;
    /** Bad configuration or model: nothing was processed. */
    static final int CONFIG_ERROR = 3;

    private ExitCodes()
    {
    }
}
