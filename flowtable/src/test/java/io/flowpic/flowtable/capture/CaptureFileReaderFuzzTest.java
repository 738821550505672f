package io.flowpic.flowtable.capture;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Any file content: {@link CaptureFileReader#read} either throws {@link CaptureFileException} (not a capture) or
 * delivers packets that lie inside the file, then returns a consistent result. Every packet also goes through
 * the decoder, as in the sensor. The input is the whole file.
 * Regression inputs: {@code src/test/resources/io/flowpic/flowtable/capture/CaptureFileReaderFuzzTestInputs/read/}.
 */
class CaptureFileReaderFuzzTest
{
    private static Path dir;
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException
    {
        // tmpfs where there is one: every input is written, opened and memory-mapped.
        final Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ?
            Files.createTempDirectory(shm, "capture-fuzz") : Files.createTempDirectory("capture-fuzz");
        file = dir.resolve("fuzz.pcap");
    }

    @AfterAll
    static void deleteFile() throws IOException
    {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "40s")
    void read(final byte[] data)
    {
        try
        {
            Files.write(file, data);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final long size = data.length;
        final PacketDecoder decoder = new PacketDecoder(16);
        final DecodedPacket out = new DecodedPacket();
        final long[] delivered = {0};
        final CaptureReadResult result;
        try
        {
            result = new CaptureFileReader().read(file, (linkType, buffer, offset, capturedLength, originalLength, ts) ->
            {
                delivered[0]++;
                assertTrue(capturedLength >= 0, () -> "negative captured length " + capturedLength);
                assertTrue(capturedLength <= size, () -> "captured length " + capturedLength + " > file size " + size);
                assertTrue(originalLength >= capturedLength,
                    () -> "original length " + originalLength + " < captured length " + capturedLength);
                assertTrue(linkType >= 0 && linkType <= 0xFFFF, () -> "link type " + linkType);
                assertTrue(offset >= 0 && (long)offset + capturedLength <= buffer.capacity(),
                    () -> "packet [" + offset + ", +" + capturedLength + ") outside buffer of " + buffer.capacity());
                if (capturedLength > 0)
                {
                    buffer.getByte(offset);
                    buffer.getByte(offset + capturedLength - 1);
                }
                final DecodeResult decoded = decoder.decode(linkType, buffer, offset, capturedLength, out);
                assertNotNull(decoded);
            });
        }
        catch (final CaptureFileException expected)
        {
            assertNotNull(expected.getMessage());
            return;
        }
        assertNotNull(result);
        assertEquals(delivered[0], result.packets(), "packets delivered vs counted");
        assertTrue(result.bytesRead() >= 0 && result.bytesRead() <= size, () -> "bytesRead " + result.bytesRead());
        if (result.isClean())
        {
            assertEquals(-1, result.warningOffset());
            assertEquals(size, result.bytesRead(), "a clean read consumes the whole file");
        }
        else
        {
            assertTrue(result.warningOffset() >= 0 && result.warningOffset() <= size,
                () -> "warning offset " + result.warningOffset());
        }
    }
}
