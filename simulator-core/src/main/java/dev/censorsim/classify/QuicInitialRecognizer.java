package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises a QUIC version 1 Initial packet at the start of a UDP datagram, as the 2022 TSPU QUIC block did: by the
 * long header and version, never by decrypting. Reusable: {@link #recognize} re-points it; allocation-free; never
 * throws.
 *
 * <p>Wire layout (RFC 9000 §17.2 long header, §17.2.2 Initial; RFC 9001 §5 for what is protected):
 * <pre>
 *   u1  header_form = 1, u1 fixed_bit = 1, u2 long_packet_type (0 = Initial in v1), u4 protected bits
 *   u32 version                  0x00000001
 *   u8  dcid_length (0..20), dcid
 *   u8  scid_length (0..20), scid
 *   varint token_length, token
 *   varint length                packet number plus protected payload, at least 1 + 16 (AEAD tag, RFC 9001 §5.3)
 *   ... packet number (1..4, header-protected) and payload
 * </pre>
 * Varints (RFC 9000 §16): the top two bits of the first byte give the length, 1, 2, 4 or 8 bytes.
 * A client's first Initial is padded so its datagram is at least 1200 bytes (RFC 9000 §14.1), and carries a
 * destination connection id of at least 8 bytes (§7.2); {@link #isClientFirstFlight()} checks both.
 */
public final class QuicInitialRecognizer {

    public static final int VERSION_1 = 0x00000001;
    public static final int MAX_CONNECTION_ID_LENGTH = 20;
    public static final int MIN_CLIENT_DATAGRAM = 1200;
    public static final int MIN_CLIENT_DCID_LENGTH = 8;

    private static final int FORM_AND_FIXED_BITS = 0xc0;
    private static final int TYPE_MASK = 0x30;
    private static final int TYPE_INITIAL = 0x00;
    private static final int VERSION_OFFSET = 1;
    private static final int DCID_LENGTH_OFFSET = 5;
    private static final int AEAD_TAG_LENGTH = 16;

    private int version;
    private int dcidLength;
    private int scidLength;
    private long tokenLength;
    private int datagramLength;
    private int packetLength;
    private int packetNumberOffset;

    /**
     * Whether {@code buffer[index, index + length)} (one whole UDP payload) starts with a QUIC v1 Initial packet.
     * The datagram's size is recorded either way.
     */
    public boolean recognize(ByteBuf buffer, int index, int length) {
        datagramLength = length;
        if (length < DCID_LENGTH_OFFSET + 1) {
            return false;
        }
        int first = buffer.getUnsignedByte(index);
        if ((first & FORM_AND_FIXED_BITS) != FORM_AND_FIXED_BITS || (first & TYPE_MASK) != TYPE_INITIAL) {
            return false;
        }
        version = buffer.getInt(index + VERSION_OFFSET);
        if (version != VERSION_1) {
            return false;
        }
        final int end = index + length;
        int at = index + DCID_LENGTH_OFFSET;
        dcidLength = buffer.getUnsignedByte(at++);
        if (dcidLength > MAX_CONNECTION_ID_LENGTH || end - at < dcidLength + 1) {
            return false;
        }
        at += dcidLength;
        scidLength = buffer.getUnsignedByte(at++);
        if (scidLength > MAX_CONNECTION_ID_LENGTH || end - at < scidLength + 1) {
            return false;
        }
        at += scidLength;
        int tokenVarint = varintLength(buffer.getUnsignedByte(at));
        if (end - at < tokenVarint) {
            return false;
        }
        tokenLength = readVarint(buffer, at, tokenVarint);
        at += tokenVarint;
        if (tokenLength > end - at) {
            return false;
        }
        at += (int) tokenLength;
        if (at >= end) {
            return false;
        }
        int lengthVarint = varintLength(buffer.getUnsignedByte(at));
        if (end - at < lengthVarint) {
            return false;
        }
        long declared = readVarint(buffer, at, lengthVarint);
        at += lengthVarint;
        // Coalesced packets may follow (§12.2), so the Initial may end before the datagram does, never after it.
        if (declared < 1 + AEAD_TAG_LENGTH || declared > end - at) {
            return false;
        }
        packetNumberOffset = at - index;
        packetLength = packetNumberOffset + (int) declared;
        return true;
    }

    private static int varintLength(int firstByte) {
        return 1 << (firstByte >>> 6);
    }

    private static long readVarint(ByteBuf buffer, int at, int length) {
        switch (length) {
            case 1:
                return buffer.getUnsignedByte(at) & 0x3f;
            case 2:
                return buffer.getUnsignedShort(at) & 0x3fff;
            case 4:
                return buffer.getUnsignedInt(at) & 0x3fff_ffffL;
            default:
                return buffer.getLong(at) & 0x3fff_ffff_ffff_ffffL;
        }
    }

    /** True when the last recognised Initial looks like a client's first flight: 1200+ byte datagram, DCID 8+. */
    public boolean isClientFirstFlight() {
        return datagramLength >= MIN_CLIENT_DATAGRAM && dcidLength >= MIN_CLIENT_DCID_LENGTH;
    }

    /** The UDP payload size of the last datagram offered, recognised or not (the TSPU rule keys on it). */
    public int datagramLength() {
        return datagramLength;
    }

    public int version() {
        return version;
    }

    public int dcidLength() {
        return dcidLength;
    }

    public int scidLength() {
        return scidLength;
    }

    public long tokenLength() {
        return tokenLength;
    }

    /** Offset of the (protected) packet number from the packet's first byte: where the header's length field ends. */
    public int packetNumberOffset() {
        return packetNumberOffset;
    }

    /** Bytes of the Initial packet itself, header included; less than the datagram when packets are coalesced. */
    public int packetLength() {
        return packetLength;
    }
}
