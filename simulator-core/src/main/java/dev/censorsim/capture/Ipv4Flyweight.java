package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * Re-pointable view of an IPv4 header.
 *
 * <p>Wire layout (RFC 791 §3.1):
 * <pre>
 *   u4  version = 4, u4 IHL (header length in 32-bit words, 5..15)
 *   u8  DSCP/ECN
 *   u16 total_length          header plus payload; a capture may be shorter (snaplen) or longer (Ethernet padding)
 *   u16 identification
 *   u3  flags (reserved, DF, MF), u13 fragment_offset (8-byte units)
 *   u8  TTL
 *   u8  protocol              6 = TCP, 17 = UDP
 *   u16 header_checksum
 *   u32 source, u32 destination
 *   ... options to IHL * 4
 * </pre>
 */
public final class Ipv4Flyweight {

    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    public static final int MIN_HEADER_LENGTH = 20;

    private static final int MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    private int protocol;
    private int source;
    private int destination;
    private int totalLength;
    private int payloadOffset;
    private int payloadLength;
    private boolean fragment;
    private boolean firstFragment;

    /**
     * Points this view at an IPv4 header. Returns false for a wrong version, an IHL below 5, a header longer than the
     * captured bytes, or a total length smaller than the header.
     */
    public boolean wrap(ByteBuf buffer, int offset, int length) {
        if (length < MIN_HEADER_LENGTH) {
            return false;
        }
        int versionIhl = buffer.getUnsignedByte(offset + VERSION_IHL_OFFSET);
        int headerLength = (versionIhl & 0x0f) << 2;
        if (versionIhl >>> 4 != 4 || headerLength < MIN_HEADER_LENGTH || headerLength > length) {
            return false;
        }
        int total = buffer.getUnsignedShort(offset + TOTAL_LENGTH_OFFSET);
        if (total < headerLength) {
            return false;
        }
        int flagsFragment = buffer.getUnsignedShort(offset + FLAGS_FRAGMENT_OFFSET);
        int fragmentOffset = flagsFragment & FRAGMENT_OFFSET_MASK;
        this.fragment = fragmentOffset != 0 || (flagsFragment & MORE_FRAGMENTS) != 0;
        this.firstFragment = fragmentOffset == 0;
        this.protocol = buffer.getUnsignedByte(offset + PROTOCOL_OFFSET);
        this.source = buffer.getInt(offset + SOURCE_OFFSET);
        this.destination = buffer.getInt(offset + DESTINATION_OFFSET);
        this.totalLength = total;
        this.payloadOffset = offset + headerLength;
        // Trailing Ethernet padding is not payload; a snaplen-cut capture has less than the header promises.
        this.payloadLength = Math.min(total, length) - headerLength;
        return true;
    }

    public int protocol() {
        return protocol;
    }

    public int source() {
        return source;
    }

    public int destination() {
        return destination;
    }

    /** The datagram's length on the wire, from the header (may exceed what was captured). */
    public int totalLength() {
        return totalLength;
    }

    /** True for any fragment, first included. */
    public boolean isFragment() {
        return fragment;
    }

    /** True when this fragment (or unfragmented datagram) starts at offset 0, so it carries the transport header. */
    public boolean isFirstFragment() {
        return firstFragment;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    /** Captured payload bytes, at most total length minus header length. */
    public int payloadLength() {
        return payloadLength;
    }
}
