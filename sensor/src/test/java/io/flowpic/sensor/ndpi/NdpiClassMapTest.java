package io.flowpic.sensor.ndpi;

import io.flowpic.inference.dataset.FlowSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shipped map (config/ndpi-map.yaml) does what its comments say; expectations written by hand. */
class NdpiClassMapTest
{
    private static final NdpiClassMap MAP = load();

    private static NdpiClassMap load()
    {
        try
        {
            return NdpiClassMap.loadDefault();
        }
        catch (final NdpiMapException e)
        {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    @Test
    void defaultMapClassesTheDocumentedNames()
    {
        assertEquals(List.of("voip", "video", "chat", "browsing", "file_transfer"), MAP.classes());
        check("TLS.YouTube", "Media", "TCP", "DPI", "video");
        check("QUIC.YouTube", "Media", "UDP", "DPI", "video");
        check("NetFlix", "Video", "TCP", "DPI", "video");
        check("tls.netflix", "Video", "TCP", "DPI", "video"); // names match whatever their case
        check("DNS.YouTube", "Media", "UDP", "DPI", "dropped by map");
        check("RTP", "Media", "UDP", "DPI", "voip");
        check("Skype_Teams.SkypeCall", "VoIP", "UDP", "DPI", "voip");
        check("Skype_Teams", "VoIP", "TCP", "DPI", "unmapped");
        check("Zoom", "Video", "UDP", "DPI", "voip");
        check("TLS.Zoom", "Video", "TCP", "DPI", "unmapped");
        check("STUN.WhatsAppCall", "VoIP", "UDP", "DPI", "dropped by map");
        check("WhatsAppCall", "VoIP", "UDP", "DPI", "voip");
        check("TLS.WhatsApp", "Chat", "TCP", "DPI", "chat");
        check("Telegram", "Chat", "TCP", "DPI", "chat");
        check("Telegram", "Chat", "UDP", "DPI", "voip");
        check("TLS.Signal", "Chat", "TCP", "DPI", "chat");
        check("HTTP.QQ", "Chat", "TCP", "DPI", "unmapped");
        check("TLS", "Web", "TCP", "DPI", "browsing");
        check("HTTP.Google", "Web", "TCP", "DPI", "browsing");
        check("HTTP", "Streaming", "TCP", "DPI", "unmapped");
        check("TLS.Facebook", "SocialNetwork", "TCP", "DPI", "unmapped");
        check("DTLS", "Web", "UDP", "DPI", "dropped by map");
        check("HTTP_Proxy", "Web", "TCP", "DPI", "dropped by map");
        check("FTP_DATA", "Download", "TCP", "DPI", "file_transfer");
        check("BitTorrent", "Download", "UDP", "DPI", "file_transfer");
        check("NetBIOS.SMBv1", "System", "TCP", "DPI", "file_transfer");
        check("NetBIOS.SMBv1", "System", "UDP", "DPI", "unmapped");
        // Guesses are dropped whatever the name.
        check("TLS", "Web", "TCP", "Match by port", "confidence not kept");
        check("TLS.YouTube", "Media", "TCP", "Match by IP", "confidence not kept");
        check("BitTorrent", "Download", "TCP", "DPI (cache)", "confidence not kept");
    }

    private static void check(final String name, final String category, final String transport, final String confidence,
        final String expected)
    {
        final NdpiFlow flow = new NdpiFlow(transport.equals("TCP") ? FlowSession.TCP : FlowSession.UDP,
            FlowTuple.of(4, 6, 0, 1, 1, 0, 2, 2), name, category, confidence);
        final NdpiClassMap.Verdict v = MAP.verdict(flow);
        assertEquals(expected, v.fate() == NdpiClassMap.Fate.KEPT ? v.label() : v.fate().text(),
            name + " " + category + " " + transport + " " + confidence);
    }
}
