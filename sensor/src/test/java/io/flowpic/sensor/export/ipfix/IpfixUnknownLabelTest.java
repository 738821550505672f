package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.journal.LabelRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A block below flowpic.min-confidence leaves over IPFIX as label unknown, with its confidence and every score. */
class IpfixUnknownLabelTest
{
    private static final long PEN = 32473;

    @Test
    void unknownTravelsInApplicationNameAndTheEnterpriseLabel()
    {
        final List<LabelRecord> records = IpfixTestData.records(6);
        for (int i = 0; i < records.size(); i += 2)
        {
            records.get(i).label = "unknown";
        }
        final IpfixTestDecoder decoder = new IpfixTestDecoder();
        final List<Map<String, Object>> decoded = new ArrayList<>();
        for (final ByteBuffer m : IpfixFiles.messages(records, new IpfixEncoder(PEN, 0, 1400), 1400))
        {
            decoded.addAll(decoder.decode(m.duplicate()).records());
        }
        assertEquals(records.size(), decoded.size());
        for (int i = 0; i < records.size(); i++)
        {
            assertEquals(i % 2 == 0 ? "unknown" : records.get(i).label, decoded.get(i).get("96"));
            IpfixEncoderTest.assertRecord(records.get(i), decoded.get(i));
        }
    }
}
