package io.flowpic.sensor.export;

import io.flowpic.sensor.journal.LabelRecord;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Community ID flow hashing, version 1 (the join key of Zeek, Suricata and Elastic): SHA-1 over the seed,
 * the endpoints in a canonical order, the protocol, a zero pad byte and the ports, base64 with a "1:" prefix.
 * Both directions of a conversation get the same ID, so a FlowPic record of either direction joins to the
 * other tool's record of the connection. One instance per thread (it reuses its digest and buffer).
 */
public final class CommunityId
{
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private final int seed;
    private final MessageDigest sha1;
    private final byte[] input = new byte[2 + 16 + 16 + 1 + 1 + 2 + 2];

    public CommunityId(final int seed)
    {
        if (seed < 0 || seed > 0xFFFF)
        {
            throw new IllegalArgumentException("community ID seed must be in 0..65535: " + seed);
        }
        this.seed = seed;
        try
        {
            sha1 = MessageDigest.getInstance("SHA-1");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JDK has SHA-1", ex);
        }
    }

    public String of(final LabelRecord record)
    {
        return of(record.ipVersion == 4 ? 4 : 16, record.srcAddress, record.dstAddress, record.protocol,
            record.srcPort, record.dstPort);
    }

    /**
     * @param addressLength 4 or 16; the first that many bytes of each address array are used.
     */
    public String of(final int addressLength, final byte[] srcAddress, final byte[] dstAddress, final int protocol,
        final int srcPort, final int dstPort)
    {
        final int order = Arrays.compareUnsigned(srcAddress, 0, addressLength, dstAddress, 0, addressLength);
        final boolean swap = order > 0 || (order == 0 && srcPort > dstPort);
        int at = 0;
        input[at++] = (byte)(seed >>> 8);
        input[at++] = (byte)seed;
        System.arraycopy(swap ? dstAddress : srcAddress, 0, input, at, addressLength);
        at += addressLength;
        System.arraycopy(swap ? srcAddress : dstAddress, 0, input, at, addressLength);
        at += addressLength;
        input[at++] = (byte)protocol;
        input[at++] = 0;
        final int first = swap ? dstPort : srcPort;
        final int second = swap ? srcPort : dstPort;
        input[at++] = (byte)(first >>> 8);
        input[at++] = (byte)first;
        input[at++] = (byte)(second >>> 8);
        input[at++] = (byte)second;
        sha1.reset();
        sha1.update(input, 0, at);
        return "1:" + BASE64.encodeToString(sha1.digest());
    }
}
