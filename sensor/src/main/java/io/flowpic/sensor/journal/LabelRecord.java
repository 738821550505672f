package io.flowpic.sensor.journal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * One journal entry: the label of one block of one unidirectional flow. Mutable so the writer can
 * reuse one instance; {@link JournalReader} hands out fresh ones.
 */
public final class LabelRecord
{
    public long startNanos;
    public long endNanos;
    public int ipVersion;
    /** 16 bytes; IPv4 addresses use the first 4. */
    public final byte[] srcAddress = new byte[16];
    public final byte[] dstAddress = new byte[16];
    public int srcPort;
    public int dstPort;
    public int protocol;
    public int packets;
    public long bytes;
    public String label;
    public float confidence;
    public String modelId;
    /** Class labels in model output order; shared, not copied, by the writer. */
    public String[] scoreLabels = new String[0];
    public float[] scores = new float[0];

    public String protocolName()
    {
        return protocol == 6 ? "TCP" : protocol == 17 ? "UDP" : Integer.toString(protocol);
    }

    public String srcIp()
    {
        return addressText(srcAddress);
    }

    public String dstIp()
    {
        return addressText(dstAddress);
    }

    private String addressText(final byte[] address)
    {
        try
        {
            return InetAddress.getByAddress(ipVersion == 4 ? Arrays.copyOf(address, 4) : address).getHostAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("impossible address length", ex);
        }
    }

    /** Puts an address held as two big-endian longs (IPv4: low 32 bits of {@code lo}) into {@code dst}. */
    public static void putAddress(final int ipVersion, final long hi, final long lo, final byte[] dst)
    {
        if (ipVersion == 4)
        {
            dst[0] = (byte)(lo >>> 24);
            dst[1] = (byte)(lo >>> 16);
            dst[2] = (byte)(lo >>> 8);
            dst[3] = (byte)lo;
            Arrays.fill(dst, 4, 16, (byte)0);
        }
        else
        {
            for (int i = 0; i < 8; i++)
            {
                dst[i] = (byte)(hi >>> (56 - 8 * i));
                dst[8 + i] = (byte)(lo >>> (56 - 8 * i));
            }
        }
    }
}
