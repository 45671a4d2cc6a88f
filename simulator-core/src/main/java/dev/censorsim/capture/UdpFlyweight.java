package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * Re-pointable view of a UDP header.
 *
 * <p>Wire layout (RFC 768):
 * <pre>
 *   u16 source_port, u16 destination_port
 *   u16 length                header plus payload, at least 8
 *   u16 checksum
 * </pre>
 */
public final class UdpFlyweight {

    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int HEADER_LENGTH = 8;

    private int sourcePort;
    private int destinationPort;
    private int datagramLength;
    private int payloadOffset;
    private int payloadLength;

    /**
     * Points this view at a UDP header; false when fewer than 8 bytes are captured or the length field is below 8.
     * The payload is the captured part of what the length field declares.
     */
    public boolean wrap(ByteBuf buffer, int offset, int length) {
        if (length < HEADER_LENGTH) {
            return false;
        }
        int declared = buffer.getUnsignedShort(offset + LENGTH_OFFSET);
        if (declared < HEADER_LENGTH) {
            return false;
        }
        this.sourcePort = buffer.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
        this.destinationPort = buffer.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
        this.datagramLength = declared - HEADER_LENGTH;
        this.payloadOffset = offset + HEADER_LENGTH;
        this.payloadLength = Math.min(declared, length) - HEADER_LENGTH;
        return true;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    /** The payload length the header declares (the datagram size recognisers check against). */
    public int datagramLength() {
        return datagramLength;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    /** Captured payload bytes. */
    public int payloadLength() {
        return payloadLength;
    }
}
