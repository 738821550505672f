package io.flowpic.flowtable.capture;

/**
 * The file is not something we can read as a capture at all: missing, unreadable, empty or of another format.
 * Damage part-way through a capture is not an exception, see {@link CaptureReadResult#warning()}.
 */
public final class CaptureFileException extends Exception
{
    private static final long serialVersionUID = 1L;

    public CaptureFileException(final String message)
    {
        super(message);
    }

    public CaptureFileException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
