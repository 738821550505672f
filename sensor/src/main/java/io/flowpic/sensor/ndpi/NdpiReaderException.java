package io.flowpic.sensor.ndpi;

/** ndpiReader is missing or failed on a capture; the message names the capture or the Debian package. */
public final class NdpiReaderException extends Exception
{
    public NdpiReaderException(final String message)
    {
        super(message);
    }
}
