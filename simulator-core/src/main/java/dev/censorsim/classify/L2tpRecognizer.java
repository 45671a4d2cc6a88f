package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises L2TP over UDP (port 1701), versions 2 and 3. Reusable and allocation-free; never throws. Keyed on the
 * port, as L2TP's few header bits are too weak alone.
 *
 * <p>Header (RFC 2661 §3.1 for v2; RFC 3931 §3.2.1 and §4.1.2.1 for v3 over UDP), big-endian:
 * <pre>
 *   u16 flags and version  T 0x8000 (control), L 0x4000 (length present), S 0x0800 (Ns/Nr present),
 *                          O 0x0200 (offset present, v2), P 0x0100 (priority, v2); 0x3400 and 0x00f0 reserved,
 *                          zero; low 4 bits: version 2 or 3
 *   [u16 length]           of the whole message, when L
 *   v2: u16 tunnel id, u16 session id, [u16 Ns, u16 Nr]            v3 control: u32 control connection id, u16 Ns,
 *                                                                   u16 Nr; v3 data: u16 reserved, u32 session id
 * </pre>
 * A control message must have T, L and S set and O and P clear (RFC 2661 §3.1, RFC 3931 §3.2.1), and its length
 * must be the datagram's.
 */
public final class L2tpRecognizer {

    public static final int PORT = 1701;

    private static final int T = 0x8000;
    private static final int L = 0x4000;
    private static final int S = 0x0800;
    private static final int O = 0x0200;
    private static final int P = 0x0100;
    private static final int RESERVED = 0x34f0;
    private static final int CONTROL_HEADER_V2 = 12;
    private static final int MIN_DATA_HEADER = 6;

    private int version;
    private boolean control;

    /** Whether the UDP payload {@code buffer[index, index + length)} between these ports is an L2TP message. */
    public boolean recognize(ByteBuf buffer, int index, int length, int sourcePort, int destinationPort) {
        if ((sourcePort != PORT && destinationPort != PORT) || length < MIN_DATA_HEADER) {
            return false;
        }
        int flags = buffer.getUnsignedShort(index);
        int ver = flags & 0x0f;
        if ((flags & RESERVED) != 0 || (ver != 2 && ver != 3)) {
            return false;
        }
        boolean isControl = (flags & T) != 0;
        if (isControl) {
            if ((flags & (L | S)) != (L | S) || (flags & (O | P)) != 0 || length < CONTROL_HEADER_V2
                    || buffer.getUnsignedShort(index + 2) != length) {
                return false;
            }
        } else if ((flags & L) != 0 && buffer.getUnsignedShort(index + 2) != length) {
            return false;
        }
        version = ver;
        control = isControl;
        return true;
    }

    /** 2 or 3, of the last recognised message. */
    public int version() {
        return version;
    }

    /** The last recognised message was a control message (T bit). */
    public boolean isControl() {
        return control;
    }
}
