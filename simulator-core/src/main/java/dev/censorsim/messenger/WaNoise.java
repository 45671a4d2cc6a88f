package dev.censorsim.messenger;

import dev.censorsim.classify.WhatsAppPrologue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;

import java.util.concurrent.ThreadLocalRandom;

/**
 * WhatsApp's chat transport as a DPI box sees it (the layout whatsmeow's {@code socket} package and Baileys implement,
 * and nDPI's {@code protocols/whatsapp.c} keys on). The client's first bytes:
 * <pre>
 *   "ED" 00 01                edge-routing header, version 0.1
 *   00 00 04                  routing data length (3 bytes, big-endian)
 *   08 nn 10 mm               routing data (protobuf: edge id, region)       nDPI matches these first 8 bytes
 *   "WA" 06 03                the Noise prologue: magic 6, dictionary version 3
 *   len(3) HandshakeMessage   {clientHello (2) {ephemeral (1): 32 bytes}}     Noise XX "-> e"
 * </pre>
 * The server answers with one frame, {@code HandshakeMessage {serverHello (3) {ephemeral (1): 32, static (2): 48,
 * payload (3): n}}} ("&lt;- e, ee, s, es"), and the client finishes with {@code {clientFinish (4) {static (1): 48,
 * payload (2): n}}} ("-&gt; s, se"). Every later message is a frame with a 3-byte length.
 *
 * <p>The frames have the real shapes and sizes, but the keys are random bytes: no Diffie-Hellman is done. What the
 * frames carry after the handshake is the messenger's TLS session (with no SNI), standing in for Noise's transport
 * cipher, so the chat's content is encrypted as WhatsApp's is and the connection is verified against the chat name.
 */
final class WaNoise {

    /** A frame's length field: 3 bytes, so at most 2^24 - 1 bytes of payload. */
    static final int LENGTH_BYTES = 3;
    static final int MAX_FRAME = (1 << 24) - 1;
    /** The Noise prologue after the routing header: "WA", magic 6, dictionary version 3. */
    static final byte[] PROLOGUE = {'W', 'A', 6, 3};
    /** Protobuf tags of HandshakeMessage's fields (field number << 3 | wire type 2). */
    static final int CLIENT_HELLO = 0x12;
    static final int SERVER_HELLO = 0x1a;
    static final int CLIENT_FINISH = 0x22;
    private static final int KEY_BYTES = 32;
    /** A static key encrypted with AES-GCM: 32 bytes and a 16-byte tag. */
    private static final int SEALED_KEY_BYTES = 48;
    /** The encrypted certificate chain (server) or client payload: a few hundred bytes in captures. */
    private static final int PAYLOAD_BYTES = 240;

    private WaNoise() {
    }

    /** The routing header, prologue and Noise ClientHello frame: the client's first write. */
    static ByteBuf clientStart(ByteBufAllocator alloc) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ByteBuf out = alloc.buffer(64);
        byte[] edge = WhatsAppPrologue.header(); // "ED" 00 01 00 00 04 08
        out.writeBytes(edge);
        out.writeByte(random.nextInt(1, 128)).writeByte(0x10).writeByte(random.nextInt(1, 128));
        out.writeBytes(PROLOGUE);
        ByteBuf message = alloc.buffer(2 + 2 + KEY_BYTES);
        message.writeByte(CLIENT_HELLO).writeByte(2 + KEY_BYTES);
        field(message, 0x0a, random(KEY_BYTES));
        frame(out, message);
        return out;
    }

    /** The server's Noise ServerHello frame. */
    static ByteBuf serverHello(ByteBufAllocator alloc) {
        ByteBuf inner = alloc.buffer(2 + KEY_BYTES + 2 + SEALED_KEY_BYTES + 3 + PAYLOAD_BYTES);
        field(inner, 0x0a, random(KEY_BYTES));
        field(inner, 0x12, random(SEALED_KEY_BYTES));
        field(inner, 0x1a, random(PAYLOAD_BYTES));
        return handshake(alloc, SERVER_HELLO, inner);
    }

    /** The client's Noise ClientFinish frame. */
    static ByteBuf clientFinish(ByteBufAllocator alloc) {
        ByteBuf inner = alloc.buffer(2 + SEALED_KEY_BYTES + 3 + PAYLOAD_BYTES);
        field(inner, 0x0a, random(SEALED_KEY_BYTES));
        field(inner, 0x12, random(PAYLOAD_BYTES));
        return handshake(alloc, CLIENT_FINISH, inner);
    }

    /** Splits the inbound stream into frames, without their length. */
    static LengthFieldBasedFrameDecoder frameDecoder() {
        return new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, LENGTH_BYTES, 0, LENGTH_BYTES);
    }

    /** Prefixes each outbound buffer with its 3-byte length. */
    static LengthFieldPrepender frameEncoder() {
        return new LengthFieldPrepender(LENGTH_BYTES);
    }

    /** The HandshakeMessage field tag a frame payload starts with, or -1 for an empty one. */
    static int handshakeField(ByteBuf payload) {
        return payload.isReadable() ? payload.getUnsignedByte(payload.readerIndex()) : -1;
    }

    private static ByteBuf handshake(ByteBufAllocator alloc, int tag, ByteBuf inner) {
        ByteBuf message = alloc.buffer(3 + inner.readableBytes());
        message.writeByte(tag);
        varint(message, inner.readableBytes());
        message.writeBytes(inner);
        inner.release();
        ByteBuf out = alloc.buffer(LENGTH_BYTES + message.readableBytes());
        frame(out, message);
        return out;
    }

    /** Writes {@code message} as one frame into {@code out} and releases it. */
    private static void frame(ByteBuf out, ByteBuf message) {
        out.writeMedium(message.readableBytes());
        out.writeBytes(message);
        message.release();
    }

    private static void field(ByteBuf out, int tag, byte[] value) {
        out.writeByte(tag);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteBuf out, int value) {
        while ((value & ~0x7f) != 0) {
            out.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    private static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
