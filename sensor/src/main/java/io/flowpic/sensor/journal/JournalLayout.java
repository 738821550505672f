package io.flowpic.sensor.journal;

/**
 * Binary layout of a journal record. Version 1, in order: version byte, IP version byte, protocol
 * byte, src port u16, dst port u16, start ns, end ns, src address (16 bytes), dst address (16),
 * packets i32, bytes i64, label (UTF-8 with stop-bit length), confidence f32, model id (UTF-8),
 * score count u16, then that many (label, score f32) pairs. A new field means a new version; the
 * reader keeps understanding every older one.
 */
final class JournalLayout
{
    static final byte VERSION_1 = 1;
    static final byte CURRENT_VERSION = VERSION_1;

    private JournalLayout()
    {
    }
}
