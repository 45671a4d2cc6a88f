package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Tells an RTP packet from an RTCP packet from neither, by one datagram's header. One datagram is weak evidence (about
 * one random datagram in eight passes the RTP header checks), so a flow is called RTP only once an {@link RtpTracker}
 * has seen the SSRC hold and the sequence advance. Reusable and allocation-free; never throws.
 *
 * <p>Wire layout (RFC 3550 §5.1 RTP, §6.4 RTCP; RFC 5761 §4 for telling them apart on one port):
 * <pre>
 *   RTP:  u2 version = 2, u1 padding, u1 extension, u4 CSRC count
 *         u1 marker, u7 payload_type      0..34 static, 96..127 dynamic; 72..76 would collide with RTCP
 *         u16 sequence_number, u32 timestamp, u32 SSRC, u32 CSRC[count]
 *         if extension: u16 profile, u16 length (32-bit words), the words
 *         if padding: the last byte counts the padding bytes, itself included
 *   RTCP: u2 version = 2, u1 padding, u5 count
 *         u8 packet_type                  200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP
 *         u16 length                      in 32-bit words minus one; compound packets chain several
 * </pre>
 */
public final class RtpRecognizer {

    public static final int HEADER_LENGTH = 12;
    public static final int FIRST_RTCP_TYPE = 200;
    public static final int LAST_RTCP_TYPE = 204;

    private static final int VERSION_2 = 0x80;
    private static final int VERSION_MASK = 0xc0;
    private static final int PADDING = 0x20;
    private static final int EXTENSION = 0x10;
    private static final int LAST_STATIC_TYPE = 34;
    private static final int FIRST_DYNAMIC_TYPE = 96;
    private static final int MAX_RTCP_PACKETS = 16;

    private int payloadType;
    private int sequence;
    private int ssrc;

    /**
     * Classifies {@code buffer[index, index + length)} (one whole UDP payload).
     *
     * @return {@link Protocol#RTP}, {@link Protocol#RTCP} or {@link Protocol#UNKNOWN}
     */
    public Protocol recognize(ByteBuf buffer, int index, int length) {
        if (length < 8) {
            return Protocol.UNKNOWN;
        }
        int first = buffer.getUnsignedByte(index);
        if ((first & VERSION_MASK) != VERSION_2) {
            return Protocol.UNKNOWN;
        }
        int second = buffer.getUnsignedByte(index + 1);
        if (second >= FIRST_RTCP_TYPE && second <= LAST_RTCP_TYPE) {
            return isRtcp(buffer, index, length) ? Protocol.RTCP : Protocol.UNKNOWN;
        }
        int type = second & 0x7f;
        if (length < HEADER_LENGTH || (type > LAST_STATIC_TYPE && type < FIRST_DYNAMIC_TYPE)) {
            return Protocol.UNKNOWN;
        }
        int header = HEADER_LENGTH + ((first & 0x0f) << 2);
        if (header > length) {
            return Protocol.UNKNOWN;
        }
        if ((first & EXTENSION) != 0) {
            if (length - header < 4) {
                return Protocol.UNKNOWN;
            }
            header += 4 + (buffer.getUnsignedShort(index + header + 2) << 2);
            if (header > length) {
                return Protocol.UNKNOWN;
            }
        }
        if ((first & PADDING) != 0) {
            int padding = buffer.getUnsignedByte(index + length - 1);
            if (padding == 0 || padding > length - header) {
                return Protocol.UNKNOWN;
            }
        }
        payloadType = type;
        sequence = buffer.getUnsignedShort(index + 2);
        ssrc = buffer.getInt(index + 8);
        return Protocol.RTP;
    }

    private boolean isRtcp(ByteBuf buffer, int index, int length) {
        final int end = index + length;
        int at = index;
        for (int packets = 0; at < end; packets++) {
            if (packets == MAX_RTCP_PACKETS || end - at < 4) {
                return false;
            }
            int first = buffer.getUnsignedByte(at);
            int type = buffer.getUnsignedByte(at + 1);
            // Later packets of a compound may be any RTCP type (205 RTPFB, 206 PSFB, 207 XR...).
            if ((first & VERSION_MASK) != VERSION_2 || type < 192 || type > 223
                    || (packets == 0 && type > LAST_RTCP_TYPE)) {
                return false;
            }
            int bytes = (buffer.getUnsignedShort(at + 2) + 1) << 2;
            if (bytes > end - at) {
                return false;
            }
            at += bytes;
        }
        ssrc = buffer.getInt(index + 4);
        payloadType = buffer.getUnsignedByte(index + 1);
        return true;
    }

    /** RTP payload type (0..127), or the RTCP packet type (200..204) of the first packet. */
    public int payloadType() {
        return payloadType;
    }

    /** RTP sequence number of the last RTP packet recognised. */
    public int sequence() {
        return sequence;
    }

    /** SSRC of the last packet recognised (the sender's SSRC for RTCP). */
    public int ssrc() {
        return ssrc;
    }
}
