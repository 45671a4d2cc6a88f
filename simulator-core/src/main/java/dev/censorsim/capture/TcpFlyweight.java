package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * Re-pointable view of a TCP header.
 *
 * <p>Wire layout (RFC 9293 §3.1):
 * <pre>
 *   u16 source_port, u16 destination_port
 *   u32 sequence_number
 *   u32 acknowledgment_number
 *   u4  data_offset (32-bit words, 5..15), u4 reserved, u8 flags (CWR ECE URG ACK PSH RST SYN FIN)
 *   u16 window, u16 checksum, u16 urgent_pointer
 *   ... options to data_offset * 4, then the payload
 * </pre>
 */
public final class TcpFlyweight {

    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int MIN_HEADER_LENGTH = 20;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    private int sourcePort;
    private int destinationPort;
    private int sequence;
    private int flags;
    private int payloadOffset;
    private int payloadLength;

    /** Points this view at a TCP header; false when it is shorter than 20 bytes or its data offset is out of range. */
    public boolean wrap(ByteBuf buffer, int offset, int length) {
        if (length < MIN_HEADER_LENGTH) {
            return false;
        }
        int headerLength = (buffer.getUnsignedByte(offset + DATA_OFFSET_OFFSET) >>> 4) << 2;
        if (headerLength < MIN_HEADER_LENGTH || headerLength > length) {
            return false;
        }
        this.sourcePort = buffer.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
        this.destinationPort = buffer.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
        this.sequence = buffer.getInt(offset + SEQUENCE_OFFSET);
        this.flags = buffer.getUnsignedByte(offset + FLAGS_OFFSET);
        this.payloadOffset = offset + headerLength;
        this.payloadLength = length - headerLength;
        return true;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    /** The raw 32-bit sequence number; compare with wrap-around arithmetic. */
    public int sequence() {
        return sequence;
    }

    public int flags() {
        return flags;
    }

    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }
}
