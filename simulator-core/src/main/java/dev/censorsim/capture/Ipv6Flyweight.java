package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * Re-pointable view of an IPv6 header and its extension-header chain, ending at the upper-layer header.
 *
 * <p>Wire layout (RFC 8200 §3):
 * <pre>
 *   u4  version = 6, u8 traffic class, u20 flow label
 *   u16 payload_length        everything after this 40-byte header, extension headers included
 *   u8  next_header
 *   u8  hop_limit
 *   u8  source[16], destination[16]
 * </pre>
 * Extension headers (RFC 8200 §4) walked here: hop-by-hop (0), routing (43), destination options (60), each
 * {@code u8 next_header, u8 hdr_ext_len (8-octet units, not counting the first 8)}; fragment (44, 8 octets,
 * {@code u16 fragment_offset<<3 | M}); authentication header (51, RFC 4302 §2.2: length in 4-octet units minus 2).
 * ESP (50) and no-next-header (59) end the walk with an opaque payload.
 */
public final class Ipv6Flyweight {

    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int HEADER_LENGTH = 40;

    public static final int HOP_BY_HOP = 0;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int ESP = 50;
    public static final int AUTHENTICATION = 51;
    public static final int DESTINATION_OPTIONS = 60;

    /** Real stacks use at most a handful; the bound keeps a crafted chain from walking long. */
    public static final int MAX_EXTENSION_HEADERS = 8;

    private static final int FRAGMENT_HEADER_LENGTH = 8;
    private static final int FRAGMENT_OFFSET_FIELD = 2;
    private static final int FRAGMENT_OFFSET_MASK = 0xfff8;

    private long sourceHigh;
    private long sourceLow;
    private long destinationHigh;
    private long destinationLow;
    private int protocol;
    private int payloadOffset;
    private int payloadLength;
    private boolean fragment;
    private boolean firstFragment;

    /**
     * Points this view at an IPv6 header and walks the extension headers. Returns false for a wrong version, a header
     * or extension header beyond the captured bytes, or more than {@link #MAX_EXTENSION_HEADERS} extension headers.
     */
    public boolean wrap(ByteBuf buffer, int offset, int length) {
        if (length < HEADER_LENGTH || buffer.getUnsignedByte(offset) >>> 4 != 6) {
            return false;
        }
        int declaredEnd = offset + HEADER_LENGTH + buffer.getUnsignedShort(offset + PAYLOAD_LENGTH_OFFSET);
        // A jumbogram (payload length 0, RFC 2675) or a snaplen cut both leave the captured length as the bound.
        int end = declaredEnd == offset + HEADER_LENGTH ? offset + length : Math.min(declaredEnd, offset + length);
        int next = buffer.getUnsignedByte(offset + NEXT_HEADER_OFFSET);
        int index = offset + HEADER_LENGTH;
        boolean isFragment = false;
        boolean isFirst = true;
        for (int hops = 0; ; hops++) {
            if (next != HOP_BY_HOP && next != ROUTING && next != DESTINATION_OPTIONS && next != FRAGMENT
                    && next != AUTHENTICATION) {
                break;
            }
            if (hops == MAX_EXTENSION_HEADERS || index + 8 > end) {
                return false;
            }
            int headerLength;
            if (next == FRAGMENT) {
                headerLength = FRAGMENT_HEADER_LENGTH;
                int offsetAndFlag = buffer.getUnsignedShort(index + FRAGMENT_OFFSET_FIELD);
                isFragment = true;
                isFirst = (offsetAndFlag & FRAGMENT_OFFSET_MASK) == 0;
            } else if (next == AUTHENTICATION) {
                headerLength = (buffer.getUnsignedByte(index + 1) + 2) << 2;
            } else {
                headerLength = (buffer.getUnsignedByte(index + 1) + 1) << 3;
            }
            if (index + headerLength > end) {
                return false;
            }
            next = buffer.getUnsignedByte(index);
            index += headerLength;
        }
        this.sourceHigh = buffer.getLong(offset + SOURCE_OFFSET);
        this.sourceLow = buffer.getLong(offset + SOURCE_OFFSET + 8);
        this.destinationHigh = buffer.getLong(offset + DESTINATION_OFFSET);
        this.destinationLow = buffer.getLong(offset + DESTINATION_OFFSET + 8);
        this.protocol = next;
        this.fragment = isFragment;
        this.firstFragment = isFirst;
        this.payloadOffset = index;
        this.payloadLength = end - index;
        return true;
    }

    /** The upper-layer protocol after the extension headers (6 TCP, 17 UDP, 50 ESP, 59 none...). */
    public int protocol() {
        return protocol;
    }

    public long sourceHigh() {
        return sourceHigh;
    }

    public long sourceLow() {
        return sourceLow;
    }

    public long destinationHigh() {
        return destinationHigh;
    }

    public long destinationLow() {
        return destinationLow;
    }

    public boolean isFragment() {
        return fragment;
    }

    /** True unless a fragment header with a non-zero offset was seen: only then is the transport header here. */
    public boolean isFirstFragment() {
        return firstFragment;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }
}
