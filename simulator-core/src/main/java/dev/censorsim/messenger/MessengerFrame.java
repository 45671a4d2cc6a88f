package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * The messenger's own wire protocol, carried inside TLS. Every message is one frame:
 *
 * <pre>
 *  0               4       5
 * +---------------+-------+------------------------------+
 * | length (u32)  | type  | body (length - 1 bytes)      |
 * +---------------+-------+------------------------------+
 *
 * CHAT  0x01  id u64 | sentNanos u64 | payload     client: a chat message; sentNanos is the intended send time
 * ACK   0x02  id u64 | sentNanos u64               server: CHAT {@code id} arrived (sentNanos echoed)
 * PING  0x03  nonce u64                            client: keepalive
 * PONG  0x04  nonce u64                            server: keepalive answer
 * GET   0x05  bytes u64                            client: download {@code bytes}; the server answers with DATA
 * PUT   0x06  bytes u64                            client: upload of {@code bytes} follows as DATA
 * DATA  0x07  payload                              media payload, either way
 * DONE  0x08  bytes u64                            server: the upload's bytes all arrived
 * CALL  0x09  callId u64                           client: offers a voice call (on the chat connection)
 * CALL_OK 0x0A callId u64                          server: accepts it; media may flow
 * HANGUP 0x0B callId u64                           client: the call ended
 * RTP   0x0C  packet                               an RTP packet relayed over TLS (the call's TCP fallback), either
 *                                                  way; the server echoes each one back
 * </pre>
 *
 * Integers are big-endian. {@code length} counts the type byte and the body, so it is at least 1 and at most
 * {@link #MAX_LENGTH}. A frame the receiver cannot parse ends the connection; it never throws out of a handler.
 */
final class MessengerFrame {

    static final byte CHAT = 0x01;
    static final byte ACK = 0x02;
    static final byte PING = 0x03;
    static final byte PONG = 0x04;
    static final byte GET = 0x05;
    static final byte PUT = 0x06;
    static final byte DATA = 0x07;
    static final byte DONE = 0x08;
    static final byte CALL = 0x09;
    static final byte CALL_OK = 0x0A;
    static final byte HANGUP = 0x0B;
    static final byte RTP = 0x0C;

    static final int LENGTH_FIELD_BYTES = 4;
    static final int HEADER_BYTES = LENGTH_FIELD_BYTES + 1;
    /** Largest media chunk per DATA frame: one TLS record's plaintext, so a frame never straddles more than two. */
    static final int DATA_CHUNK_BYTES = 16 * 1024 - HEADER_BYTES;
    /** Upper bound on {@code length}: a chat payload of up to 64 KiB plus its id and timestamp. */
    static final int MAX_LENGTH = 1 + 16 + 64 * 1024;
    /** Largest chat payload a client may ask for. */
    static final int MAX_CHAT_PAYLOAD = MAX_LENGTH - 1 - 16;

    private MessengerFrame() {
    }

    /** Splits the TLS plaintext into frames; each frame keeps its length field, so handlers read the type at 4. */
    static LengthFieldBasedFrameDecoder decoder() {
        return new LengthFieldBasedFrameDecoder(LENGTH_FIELD_BYTES + MAX_LENGTH, 0, LENGTH_FIELD_BYTES, 0, 0);
    }

    /** The type of a frame the decoder produced, or 0 when the frame is too short to have one. */
    static byte type(ByteBuf frame) {
        int index = frame.readerIndex() + LENGTH_FIELD_BYTES;
        return frame.writerIndex() > index ? frame.getByte(index) : 0;
    }

    /** Bytes of body after the type byte. */
    static int bodyLength(ByteBuf frame) {
        return frame.readableBytes() - HEADER_BYTES;
    }

    /** The {@code n}-th u64 of the body, or -1 when the body is too short to hold it. */
    static long longAt(ByteBuf frame, int n) {
        int index = frame.readerIndex() + HEADER_BYTES + 8 * n;
        return frame.writerIndex() >= index + 8 ? frame.getLong(index) : -1;
    }

    static ByteBuf chat(ByteBufAllocator alloc, long id, long sentNanos, int payloadBytes) {
        ByteBuf frame = alloc.buffer(HEADER_BYTES + 16 + payloadBytes);
        frame.writeInt(1 + 16 + payloadBytes).writeByte(CHAT).writeLong(id).writeLong(sentNanos).writeZero(payloadBytes);
        return frame;
    }

    static ByteBuf twoLongs(ByteBufAllocator alloc, byte type, long first, long second) {
        return alloc.buffer(HEADER_BYTES + 16).writeInt(17).writeByte(type).writeLong(first).writeLong(second);
    }

    static ByteBuf oneLong(ByteBufAllocator alloc, byte type, long value) {
        return alloc.buffer(HEADER_BYTES + 8).writeInt(9).writeByte(type).writeLong(value);
    }

    /** An RTP frame whose body is {@code packet}'s readable bytes; {@code packet} is not released. */
    static ByteBuf rtp(ByteBufAllocator alloc, ByteBuf packet) {
        int length = packet.readableBytes();
        ByteBuf frame = alloc.buffer(HEADER_BYTES + length);
        frame.writeInt(1 + length).writeByte(RTP).writeBytes(packet, packet.readerIndex(), length);
        return frame;
    }

    static ByteBuf data(ByteBufAllocator alloc, int payloadBytes) {
        ByteBuf frame = alloc.buffer(HEADER_BYTES + payloadBytes);
        frame.writeInt(1 + payloadBytes).writeByte(DATA).writeZero(payloadBytes);
        return frame;
    }
}
