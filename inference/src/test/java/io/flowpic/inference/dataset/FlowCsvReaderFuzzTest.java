package io.flowpic.inference.dataset;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Any file content through {@link FlowCsvReader}: strict mode may only throw {@link FlowCsvException}, skip mode
 * nothing at all, both must agree (skip mode returns the strict sessions, then skips the row strict mode
 * rejected), and every session returned must be one the flow table can take.
 * <p>
 * The input is the file's bytes. Input starting with the gzip magic is decompressed by the reader, and a corrupt
 * gzip stream is an {@link IOException} like any other read error; that is the only other exception allowed.
 * Regression inputs: {@code src/test/resources/io/flowpic/inference/dataset/FlowCsvReaderFuzzTestInputs/read/}.
 */
class FlowCsvReaderFuzzTest
{
    /** Bounds the sessions kept for the comparison, so a huge input cannot make the harness itself slow. */
    private static final int MAX_COMPARED = 10_000;

    @FuzzTest(maxDuration = "40s")
    void read(final byte[] data) throws IOException
    {
        final boolean gzip = data.length >= 2 && (data[0] & 0xFF) == 0x1f && (data[1] & 0xFF) == 0x8b;

        final List<FlowSession> strict = new ArrayList<>();
        FlowCsvException rejected = null;
        try (FlowCsvReader reader = new FlowCsvReader("fuzz.csv", new ByteArrayInputStream(data), false))
        {
            FlowSession s;
            while ((s = reader.next()) != null)
            {
                check(s);
                if (strict.size() < MAX_COMPARED)
                {
                    strict.add(s);
                }
            }
            assertEquals(0, reader.rowsSkipped());
        }
        catch (final FlowCsvException ex)
        {
            assertEquals("fuzz.csv", ex.file());
            assertTrue(ex.line() >= 1, () -> "line " + ex.line());
            assertNotNull(ex.problem());
            rejected = ex;
        }
        catch (final IOException ex)
        {
            if (!gzip)
            {
                throw ex;
            }
            return;
        }

        final List<FlowSession> lenient = new ArrayList<>();
        try (FlowCsvReader reader = new FlowCsvReader("fuzz.csv", new ByteArrayInputStream(data), true))
        {
            FlowSession s;
            while ((s = reader.next()) != null)
            {
                check(s);
                if (lenient.size() < MAX_COMPARED)
                {
                    lenient.add(s);
                }
            }
            assertTrue(reader.sessionsRead() + reader.rowsSkipped() <= reader.lineNumber());
            if (rejected == null)
            {
                assertEquals(0, reader.rowsSkipped(), "skip mode skipped a row strict mode accepted");
                assertNull(reader.firstSkipped());
                assertEquals(strict, lenient);
            }
            else
            {
                assertTrue(reader.rowsSkipped() >= 1, "strict mode rejected a row skip mode did not skip");
                assertEquals(rejected.getMessage(), reader.firstSkipped().getMessage());
                assertEquals(strict, lenient.subList(0, Math.min(strict.size(), lenient.size())));
            }
        }
        catch (final FlowCsvException ex)
        {
            fail("FlowCsvException escaped in skip mode", ex);
        }
        catch (final IOException ex)
        {
            if (!gzip)
            {
                throw ex;
            }
        }
    }

    private static void check(final FlowSession s)
    {
        assertFalse(s.pcapName().isEmpty());
        assertTrue(s.ipVersion() == 4 || s.ipVersion() == 6, () -> "ipVersion " + s);
        assertTrue(s.protocol() == FlowSession.TCP || s.protocol() == FlowSession.UDP, () -> "protocol " + s);
        assertTrue(s.srcPort() >= 0 && s.srcPort() <= 65535, () -> "srcPort " + s);
        assertTrue(s.dstPort() >= 0 && s.dstPort() <= 65535, () -> "dstPort " + s);
        assertTrue(s.startNanos() >= 0, () -> "startNanos " + s);
        if (s.ipVersion() == 4)
        {
            assertEquals(0, s.srcHi());
            assertEquals(0, s.dstHi());
            assertTrue(s.srcLo() >= 0 && s.srcLo() <= 0xFFFF_FFFFL && s.dstLo() >= 0 && s.dstLo() <= 0xFFFF_FFFFL);
        }
        assertTrue(s.packetCount() >= 1);
        assertEquals(s.sizes().length, s.offsetNanos().length);
        for (int i = 0; i < s.packetCount(); i++)
        {
            final int size = s.sizes()[i];
            final long offset = s.offsetNanos()[i];
            assertTrue(size >= 0 && size <= 65535 + 40, () -> "size " + size);
            assertTrue(offset >= 0 && offset <= 1_000_000_000L * 1_000_000_000L, () -> "offset " + offset);
        }
    }
}
