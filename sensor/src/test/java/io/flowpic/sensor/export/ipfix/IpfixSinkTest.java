package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.export.ExportSink;
import io.flowpic.sensor.journal.LabelRecord;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sink over real loopback sockets: batching, sequence numbers, template resend, TCP outages. */
class IpfixSinkTest
{
    private static final long MS = 1_000_000L;

    @Test
    void udpSequenceNumbersCountRecordsAndTemplatesAreResentEveryFewMessages() throws Exception
    {
        final List<LabelRecord> records = IpfixTestData.records(60);
        try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getByName(IpfixTools.LOOPBACK)))
        {
            collector.setSoTimeout(1000);
            final IpfixOptions options = IpfixOptions.of(IpfixTools.LOOPBACK, collector.getLocalPort(), false)
                .withMaxMessageBytes(600).withTemplateResend(TimeUnit.SECONDS.toNanos(60), 3).withObservationDomain(42);
            final ExportCounters counters = IpfixTools.counters();
            try (IpfixSink sink = new IpfixSink(options, counters))
            {
                IpfixTools.sendAll(sink, records, 1000);
                assertEquals(1059, sink.acceptedIndex());
                assertEquals(60, counters.recordsSent.get());
                assertEquals(0, counters.errors.get());
            }
            final List<IpfixTestDecoder.Message> messages = receive(collector, records.size());
            long sequence = 0;
            final List<Map<String, Object>> decoded = new ArrayList<>();
            for (int m = 0; m < messages.size(); m++)
            {
                final IpfixTestDecoder.Message message = messages.get(m);
                assertEquals(sequence, message.sequence(), "message " + m);
                assertEquals(42, message.domain());
                assertEquals(m % 4 == 0, message.templates(), "templates first, then after every 3 messages: " + m);
                assertTrue(message.length() <= 600);
                sequence += message.records().size();
                decoded.addAll(message.records());
            }
            assertTrue(messages.size() >= 8, messages.size() + " messages");
            for (int i = 0; i < records.size(); i++)
            {
                IpfixEncoderTest.assertRecord(records.get(i), decoded.get(i));
            }
        }
    }

    @Test
    void udpToAPortWithoutCollectorIsNoError() throws Exception
    {
        final ExportCounters counters = IpfixTools.counters();
        try (IpfixSink sink = new IpfixSink(IpfixOptions.of(IpfixTools.LOOPBACK, IpfixTools.freeUdpPort(), false)
            .withMaxMessageBytes(512), counters))
        {
            // ICMP port unreachable comes back after the first datagrams: it must not fail the later ones.
            for (int round = 0; round < 5; round++)
            {
                IpfixTools.sendAll(sink, IpfixTestData.records(10), round * 10L);
                Thread.sleep(20);
            }
            assertEquals(49, sink.acceptedIndex());
            assertEquals(50, counters.recordsSent.get());
            assertEquals(0, counters.errors.get(), counters.lastError());
            assertFalse(sink.takeRewind());
        }
    }

    @Test
    void udpBatchesUntilTheLingerPassesAndResendsTemplatesAfterTheInterval() throws Exception
    {
        final List<LabelRecord> records = IpfixTestData.records(6);
        final AtomicLong offset = new AtomicLong();
        try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getByName(IpfixTools.LOOPBACK)))
        {
            collector.setSoTimeout(300);
            final IpfixOptions options = IpfixOptions.of(IpfixTools.LOOPBACK, collector.getLocalPort(), false)
                .withTemplateResend(TimeUnit.SECONDS.toNanos(60), 0).withLinger(100 * MS);
            try (IpfixSink sink = new IpfixSink(options, IpfixTools.counters(), () -> System.nanoTime() + offset.get()))
            {
                assertTrue(sink.offer(records.get(0), 0));
                assertTrue(sink.offer(records.get(1), 1));
                assertEquals(0, sink.doWork(0), "linger not passed");
                assertEquals(ExportSink.NO_INDEX, sink.acceptedIndex());
                offset.addAndGet(100 * MS);
                assertEquals(1, sink.doWork(0));
                assertEquals(1, sink.acceptedIndex());
                final IpfixTestDecoder decoder = new IpfixTestDecoder();
                IpfixTestDecoder.Message first = decoder.decode(receiveOne(collector));
                assertTrue(first.templates());
                assertEquals(2, first.records().size());

                offset.addAndGet(TimeUnit.SECONDS.toNanos(30));
                assertTrue(sink.offer(records.get(2), 2));
                assertTrue(sink.flush(TimeUnit.SECONDS.toNanos(1)));
                final IpfixTestDecoder.Message second = decoder.decode(receiveOne(collector));
                assertFalse(second.templates(), "30 s after the templates");
                assertEquals(2, second.sequence());

                offset.addAndGet(TimeUnit.SECONDS.toNanos(31));
                assertTrue(sink.offer(records.get(3), 3));
                assertTrue(sink.flush(TimeUnit.SECONDS.toNanos(1)));
                final IpfixTestDecoder.Message third = decoder.decode(receiveOne(collector));
                assertTrue(third.templates(), "61 s after the templates");
                assertEquals(3, third.sequence());
                assertEquals(3, sink.acceptedIndex());
            }
        }
    }

    @Test
    void tcpCollectorDownAtStartThenUpThenRestartedGetsEveryRecord() throws Exception
    {
        final int port = IpfixTools.freeTcpPort();
        final IpfixOptions options = IpfixOptions.of(IpfixTools.LOOPBACK, port, true)
            .withBackoff(20 * MS, 200 * MS).withLinger(10 * MS);
        final ExportCounters counters = IpfixTools.counters();
        final List<LabelRecord> records = IpfixTestData.records(40);
        try (IpfixSink sink = new IpfixSink(options, counters))
        {
            // Down: offers are refused and each failed connect is counted.
            final long downUntil = System.nanoTime() + 600 * MS;
            while (System.nanoTime() - downUntil < 0)
            {
                assertFalse(sink.offer(records.get(0), 0), "no collector yet");
                sink.doWork(System.nanoTime());
                Thread.sleep(5);
            }
            assertTrue(counters.errors.get() >= 2, counters.errors.get() + " errors");
            assertTrue(counters.lastError().contains("ipfix:tcp://127.0.0.1:" + port), counters.lastError());
            assertTrue(sink.flush(50 * MS), "nothing was taken, so nothing is outstanding");
            final long errorsWhileDown = counters.errors.get();

            try (TcpCollector collector = new TcpCollector(port))
            {
                drive(sink, records.subList(0, 20), 0);
                assertEquals(19, sink.acceptedIndex());
                collector.await(20, 5000);
                // The collector restarts: the sink notices the closed connection, reconnects, sends templates again.
                // Records still batched in the sink when the connection breaks are asked for again.
                for (int i = 20; i < 25; i++)
                {
                    assertTrue(sink.offer(records.get(i), i));
                }
                collector.dropConnections();
                Thread.sleep(200);
                sink.doWork(System.nanoTime());
                assertTrue(sink.takeRewind(), "rewind after the broken connection");
                assertEquals(19, sink.acceptedIndex());
                drive(sink, records.subList(20, 40), 20);
                collector.await(40, 5000);
                assertEquals(39, sink.acceptedIndex());
                assertEquals(40, counters.recordsSent.get());
                assertTrue(counters.errors.get() > errorsWhileDown, "the dropped connection is counted");

                final List<Map<String, Object>> received = collector.records();
                assertEquals(40, received.size());
                for (int i = 0; i < 40; i++)
                {
                    IpfixEncoderTest.assertRecord(records.get(i), received.get(i));
                }
                final List<IpfixTestDecoder.Message> messages = collector.messages;
                final List<Integer> connections = collector.connectionOfMessage;
                for (int m = 0; m < messages.size(); m++)
                {
                    final boolean firstOfConnection = m == 0 || !connections.get(m).equals(connections.get(m - 1));
                    assertEquals(firstOfConnection, messages.get(m).templates(), "templates once per connection");
                    if (firstOfConnection)
                    {
                        assertEquals(0, messages.get(m).sequence(), "a new session counts from 0");
                    }
                }
                assertEquals(2, connections.get(connections.size() - 1) - connections.get(0) + 1);
            }
        }
    }

    /** Offers like the export agent: re-offers refused records and rewinds when the sink asks. */
    private static void drive(final IpfixSink sink, final List<LabelRecord> records, final long firstIndex)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long next = firstIndex;
        final long end = firstIndex + records.size();
        while (true)
        {
            assertTrue(System.nanoTime() - deadline < 0, "not delivered in 10 s; at " + next);
            if (sink.takeRewind())
            {
                next = sink.acceptedIndex() + 1;
            }
            if (next < end)
            {
                if (sink.offer(records.get((int)(next - firstIndex)), next))
                {
                    next++;
                }
                else
                {
                    sink.doWork(System.nanoTime());
                    Thread.sleep(1);
                }
            }
            else if (sink.flush(50 * MS) && sink.acceptedIndex() == end - 1)
            {
                return;
            }
        }
    }

    private static ByteBuffer receiveOne(final DatagramSocket socket) throws IOException
    {
        final DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
        socket.receive(packet);
        return ByteBuffer.wrap(packet.getData(), 0, packet.getLength());
    }

    private static List<IpfixTestDecoder.Message> receive(final DatagramSocket socket, final int records)
        throws IOException
    {
        final IpfixTestDecoder decoder = new IpfixTestDecoder();
        final List<IpfixTestDecoder.Message> messages = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < 1000 && count < records; i++)
        {
            try
            {
                final IpfixTestDecoder.Message message = decoder.decode(receiveOne(socket));
                messages.add(message);
                count += message.records().size();
            }
            catch (final SocketTimeoutException ex)
            {
                break;
            }
        }
        assertEquals(records, count, "records received");
        return messages;
    }

    /** A plain TCP collector: accepts connections one after another, each a session with its own templates. */
    private static final class TcpCollector implements AutoCloseable
    {
        final List<IpfixTestDecoder.Message> messages = new CopyOnWriteArrayList<>();
        final List<Integer> connectionOfMessage = new CopyOnWriteArrayList<>();
        private final ServerSocket server;
        private final Thread thread;
        private volatile Socket current;

        TcpCollector(final int port) throws IOException
        {
            server = new ServerSocket(port, 4, InetAddress.getByName(IpfixTools.LOOPBACK));
            thread = new Thread(this::run, "ipfix-test-collector");
            thread.setDaemon(true);
            thread.start();
        }

        private void run()
        {
            for (int connection = 0; connection < 100 && !server.isClosed(); connection++)
            {
                try (Socket socket = server.accept())
                {
                    current = socket;
                    final IpfixTestDecoder decoder = new IpfixTestDecoder();
                    final DataInputStream in = new DataInputStream(socket.getInputStream());
                    while (true)
                    {
                        final byte[] header = new byte[16];
                        in.readFully(header);
                        final int length = ByteBuffer.wrap(header).getShort(2) & 0xFFFF;
                        final byte[] message = new byte[length];
                        System.arraycopy(header, 0, message, 0, 16);
                        in.readFully(message, 16, length - 16);
                        connectionOfMessage.add(connection);
                        messages.add(decoder.decode(ByteBuffer.wrap(message)));
                    }
                }
                catch (final IOException ex)
                {
                    // End of this connection (closed by either side); accept the next.
                }
            }
        }

        List<Map<String, Object>> records()
        {
            final List<Map<String, Object>> records = new ArrayList<>();
            messages.forEach(m -> records.addAll(m.records()));
            return records;
        }

        void await(final int records, final long timeoutMillis) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeoutMillis * MS;
            while (records().size() < records && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(10);
            }
            assertEquals(records, records().size(), "records at the collector");
        }

        void dropConnections() throws IOException
        {
            final Socket socket = current;
            if (socket != null)
            {
                socket.close();
            }
        }

        @Override
        public void close() throws Exception
        {
            server.close();
            dropConnections();
            thread.join(5000);
        }
    }
}
