package io.flowpic.sensor.ndpi;

import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.IpText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ndpiReader 4.2 {@code -v 2} listing, in lines copied from its output on shared captures. */
class NdpiFlowListingTest
{
    @TempDir
    Path dir;

    @Test
    void readsTcpAndUdpFlowsByFieldNameAndSkipsTheRest() throws IOException
    {
        final Path file = write(
            "Guessed flow protos:\t39",
            "\t1\t 192.168.5.16             \t 2      ",
            "\t1\tTCP 192.168.2.126:45380 <-> 161.117.13.29:80 [proto: 7/HTTP][ClearText][Confidence: DPI][cat: Streaming/17]" +
                "[7 pkts/4845 bytes <-> 73 pkts/178280 bytes][Hostname/SNI: mangaweb.1kxun.mobi]",
            "\t2\tUDP [2001:b030:214:100:c2a0:bbff:fe73:eb47]:62976 -> [ff02::1]:62976 [proto: 0/Unknown][ClearText]" +
                "[Confidence: Unknown][2 pkts/782 bytes -> 0 pkts/0 bytes][PLAIN TEXT (Switch)]",
            "\t3\tUDP 10.102.45.249:31046 <-> 10.133.48.100:21176 [proto: GTP:87/RTP][ClearText][Confidence: DPI]" +
                "[cat: Media/1][22 pkts/2860 bytes <-> 8 pkts/989 bytes]",
            "\t4\tTCP 192.168.5.16:53580 <-> 31.13.87.36:443 [proto: 91.119/TLS.Facebook][Encrypted][Confidence: Match by IP]" +
                "[cat: SocialNetwork/6][4 pkts/2050 bytes <-> 5 pkts/2297 bytes]",
            "\t5\tICMP 192.168.1.1 -> 192.168.1.2 [proto: 81/ICMP][ClearText][Confidence: DPI][cat: Network/14][1 pkts/98 bytes]",
            "Undetected flows:");
        final NdpiFlowListing.Result result = NdpiFlowListing.read(file);
        assertEquals(0, result.skippedLines());
        final List<NdpiFlow> flows = result.flows();
        assertEquals(4, flows.size(), flows.toString());
        final NdpiFlow http = flows.get(0);
        assertEquals(FlowSession.TCP, http.protocol());
        assertEquals("HTTP", http.name());
        assertEquals("Streaming", http.category());
        assertEquals("DPI", http.confidence());
        final IpText.Address a = IpText.parse("161.117.13.29");
        final IpText.Address b = IpText.parse("192.168.2.126");
        assertEquals(new FlowTuple(4, FlowSession.TCP, a.hi(), a.lo(), 80, b.hi(), b.lo(), 45380), http.tuple());
        final NdpiFlow unknown = flows.get(1);
        assertEquals(6, unknown.tuple().ipVersion());
        assertEquals("", unknown.category());
        assertEquals("Unknown", unknown.confidence());
        assertEquals("RTP", flows.get(2).name()); // inside a GTP tunnel
        assertEquals("TLS.Facebook", flows.get(3).name());
        assertEquals("Match by IP", flows.get(3).confidence());
    }

    @Test
    void textFromThePacketsCannotForgeAVerdict() throws IOException
    {
        final Path file = write("\t1\tTCP 10.0.0.1:5000 <-> 10.0.0.2:443 [proto: 91/TLS][Encrypted][Confidence: Match by port]" +
            "[3 pkts/300 bytes <-> 2 pkts/200 bytes][Hostname/SNI: x][proto: 91.124/TLS.YouTube][Confidence: DPI][cat: Media/1]]");
        final NdpiFlow flow = NdpiFlowListing.read(file).flows().get(0);
        assertEquals("TLS", flow.name());
        assertEquals("Match by port", flow.confidence());
        assertEquals("", flow.category());
    }

    @Test
    void aFlowLineWithoutConfidenceIsAnErrorNamingFileAndLine() throws IOException
    {
        final Path file = write("header", "\t1\tTCP 10.0.0.1:5000 <-> 10.0.0.2:443 [proto: 91/TLS][Encrypted][3 pkts/300 bytes]");
        final IOException e = assertThrows(IOException.class, () -> NdpiFlowListing.read(file));
        assertTrue(e.getMessage().contains(file + " line 2") && e.getMessage().contains("Confidence"), e.getMessage());
    }

    @Test
    void aFlowWhoseAddressNdpiReaderGarbledIsSkippedAndCounted() throws IOException
    {
        // Line 13 of ndpiReader's listing of the shared fuzz-2021-10-13.pcap.
        final Path file = write(
            "\t1\tUDP [302e::3d00::8001]:53 -> [::1]:5000 [proto: 5/DNS][ClearText][Confidence: DPI][cat: Network/14][1 pkts/80 bytes]",
            "\t2\tUDP 10.0.0.1:5000 <-> 10.0.0.2:5004 [proto: 87/RTP][ClearText][Confidence: DPI][cat: Media/1][9 pkts/900 bytes]");
        final NdpiFlowListing.Result result = NdpiFlowListing.read(file);
        assertEquals(1, result.skippedLines());
        assertTrue(result.firstSkipped().startsWith("line 1: ") && result.firstSkipped().contains("302e::3d00::8001"),
            result.firstSkipped());
        assertEquals(List.of("RTP"), result.flows().stream().map(NdpiFlow::name).toList());
    }

    private Path write(final String... lines) throws IOException
    {
        final Path file = dir.resolve("flows.txt");
        Files.write(file, List.of(lines), StandardCharsets.ISO_8859_1);
        return file;
    }
}
