package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;

/**
 * The media packets of the messenger's calls: RTP (RFC 3550 §5.1) carrying a 20 ms Opus-like frame. The payload's
 * first eight bytes hold the sender's {@link System#nanoTime()}, so the echo tells the caller its round-trip time;
 * the rest is filler of a varying, Opus-like size.
 *
 * <pre>
 *  0                   1                   2                   3
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |                             SSRC                              |
 * |                    send time (u64, payload)                   |
 * |                        filler ...                             |
 * </pre>
 */
final class CallPackets {

    static final int RTP_HEADER_BYTES = 12;
    /** A dynamic payload type, as Opus is usually negotiated. */
    static final int PAYLOAD_TYPE = 111;
    static final int CLOCK_RATE = 48_000;
    /** One 20 ms frame at 48 kHz. */
    static final int SAMPLES_PER_FRAME = 960;
    static final long FRAME_NANOS = 20_000_000L;
    /** Opus at 16-32 kbit/s in 20 ms frames: 40 to 80 bytes, a little more on transients. */
    static final int MIN_PAYLOAD_BYTES = 40;
    static final int MAX_PAYLOAD_BYTES = 120;
    static final int SEND_TIME_BYTES = 8;

    private CallPackets() {
    }

    /** Writes one RTP packet of {@code payloadBytes} (at least {@link #SEND_TIME_BYTES}) to {@code out}. */
    static void writeRtp(ByteBuf out, boolean marker, int sequence, long timestamp, int ssrc, long sendNanos,
                         int payloadBytes) {
        out.writeByte(0x80)
                .writeByte((marker ? 0x80 : 0) | PAYLOAD_TYPE)
                .writeShort(sequence)
                .writeInt((int) timestamp)
                .writeInt(ssrc)
                .writeLong(sendNanos)
                .writeZero(Math.max(0, payloadBytes - SEND_TIME_BYTES));
    }

    /** Whether {@code buf}'s readable bytes are one of our RTP packets: version 2, our payload type, a send time. */
    static boolean isRtp(ByteBuf buf) {
        int i = buf.readerIndex();
        return buf.readableBytes() >= RTP_HEADER_BYTES + SEND_TIME_BYTES
                && (buf.getUnsignedByte(i) & 0xc0) == 0x80
                && (buf.getUnsignedByte(i + 1) & 0x7f) == PAYLOAD_TYPE;
    }

    static int sequence(ByteBuf rtp) {
        return rtp.getUnsignedShort(rtp.readerIndex() + 2);
    }

    static long timestamp(ByteBuf rtp) {
        return rtp.getUnsignedInt(rtp.readerIndex() + 4);
    }

    static int ssrc(ByteBuf rtp) {
        return rtp.getInt(rtp.readerIndex() + 8);
    }

    static long sendNanos(ByteBuf rtp) {
        return rtp.getLong(rtp.readerIndex() + RTP_HEADER_BYTES);
    }
}
