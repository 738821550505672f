package io.flowpic.flowtable.capture;

import java.nio.file.Path;

/**
 * Outcome of reading one capture file.
 *
 * @param file          the file read.
 * @param packets       packets delivered to the handler.
 * @param bytesRead     file offset up to which the content was consumed cleanly.
 * @param warning       why reading stopped early (names file and byte offset), or {@code null} when the file was clean.
 * @param warningOffset file offset of the damaged record, or -1 when clean.
 */
public record CaptureReadResult(Path file, long packets, long bytesRead, String warning, long warningOffset)
{
    public boolean isClean()
    {
        return warning == null;
    }
}
