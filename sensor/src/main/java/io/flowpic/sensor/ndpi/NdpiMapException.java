package io.flowpic.sensor.ndpi;

/** A bad nDPI map; the message names the file and the key. */
public final class NdpiMapException extends Exception
{
    public NdpiMapException(final String message)
    {
        super(message);
    }
}
