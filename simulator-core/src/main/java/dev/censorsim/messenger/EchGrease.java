package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The outer {@code encrypted_client_hello} extension a browser offering ECH sends, added to and removed from a
 * ClientHello on the wire. The JDK's TLS cannot offer ECH, so the synthetic client adds the extension in GREASE form
 * (draft-ietf-tls-esni-18 §6.2: outer type 0, HPKE KDF HKDF-SHA256 and AEAD AES-128-GCM, a random config id, a 32-byte
 * encapsulated key and a random payload) below its TLS engine, and the synthetic server removes it before its own engine
 * reads the hello. Both engines then hash the same ClientHello into their transcripts, the handshake completes, and
 * the censor between them sees a ClientHello that offers ECH, as Cloudflare's clients send it.
 *
 * <p>Wire layout (RFC 8446 §4.1.2, record header §5.1), absolute offsets from the record start:
 * <pre>
 *   0  content type (22)  1 legacy version (2)  3 record length (2)
 *   5  handshake type (1 = ClientHello)  6 handshake length (3)
 *   9  legacy_version (2)  11 random (32)  43 session id (1 + n)
 *      cipher suites (2 + n)  compression methods (1 + n)  extensions (2 + n): type (2) length (2) data
 * </pre>
 * Only a ClientHello that fits one record is touched, which is what JDK clients send.
 */
final class EchGrease {

    /** The extension's code point (draft-ietf-tls-esni-18 §11.1). */
    static final int EXTENSION = 0xfe0d;
    private static final int RECORD_HEADER = 5;
    private static final int HANDSHAKE_HEADER = 4;
    private static final int ENC_BYTES = 32;
    /** Chrome pads GREASE ECH payloads to one of a few sizes; 144 bytes is what it sends for a short inner hello. */
    private static final int PAYLOAD_BYTES = 144;
    /** type (2) + length (2) + outer (1) + kdf (2) + aead (2) + config id (1) + enc (2 + 32) + payload (2 + 144). */
    static final int EXTENSION_BYTES = 4 + 1 + 2 + 2 + 1 + 2 + ENC_BYTES + 2 + PAYLOAD_BYTES;

    private EchGrease() {
    }

    /**
     * A copy of the ClientHello record in {@code record} (reader index at its first byte) with the GREASE ECH extension
     * appended, or {@code null} when the bytes are not exactly one whole ClientHello record, or already offer ECH.
     */
    static ByteBuf add(ByteBuf record, ByteBufAllocator alloc) {
        int extensionsAt = extensionsOffset(record);
        if (extensionsAt < 0 || find(record, extensionsAt) >= 0) {
            return null;
        }
        int start = record.readerIndex();
        int length = record.readableBytes();
        ByteBuf out = alloc.buffer(length + EXTENSION_BYTES);
        out.writeBytes(record, start, length);
        out.setShort(3, out.getUnsignedShort(3) + EXTENSION_BYTES);
        out.setMedium(6, out.getUnsignedMedium(6) + EXTENSION_BYTES);
        out.setShort(extensionsAt, out.getUnsignedShort(extensionsAt) + EXTENSION_BYTES);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        out.writeShort(EXTENSION).writeShort(EXTENSION_BYTES - 4)
                .writeByte(0).writeShort(0x0001).writeShort(0x0001).writeByte(random.nextInt(256));
        byte[] noise = new byte[ENC_BYTES + PAYLOAD_BYTES];
        random.nextBytes(noise);
        out.writeShort(ENC_BYTES).writeBytes(noise, 0, ENC_BYTES);
        out.writeShort(PAYLOAD_BYTES).writeBytes(noise, ENC_BYTES, PAYLOAD_BYTES);
        return out;
    }

    /**
     * A copy of the ClientHello record in {@code record} without its ECH extension, or {@code null} when the bytes are
     * not one whole ClientHello record or carry no ECH extension.
     */
    static ByteBuf strip(ByteBuf record, ByteBufAllocator alloc) {
        int extensionsAt = extensionsOffset(record);
        if (extensionsAt < 0) {
            return null;
        }
        int at = find(record, extensionsAt);
        if (at < 0) {
            return null;
        }
        int start = record.readerIndex();
        int cut = HANDSHAKE_HEADER + record.getUnsignedShort(start + at + 2);
        int length = record.readableBytes();
        ByteBuf out = alloc.buffer(length - cut);
        out.writeBytes(record, start, at);
        out.writeBytes(record, start + at + cut, length - at - cut);
        out.setShort(3, out.getUnsignedShort(3) - cut);
        out.setMedium(6, out.getUnsignedMedium(6) - cut);
        out.setShort(extensionsAt, out.getUnsignedShort(extensionsAt) - cut);
        return out;
    }

    /**
     * The offset (from the record start) of the extensions' 2-byte length when {@code record} holds exactly one whole
     * ClientHello record whose extensions fill it to the end; -1 otherwise. Every field is bounds-checked first.
     */
    static int extensionsOffset(ByteBuf record) {
        int start = record.readerIndex();
        int length = record.readableBytes();
        if (length < RECORD_HEADER + HANDSHAKE_HEADER || record.getUnsignedByte(start) != 22
                || record.getUnsignedByte(start + RECORD_HEADER) != 1
                || RECORD_HEADER + record.getUnsignedShort(start + 3) != length
                || RECORD_HEADER + HANDSHAKE_HEADER + record.getUnsignedMedium(start + 6) != length) {
            return -1;
        }
        int at = RECORD_HEADER + HANDSHAKE_HEADER + 2 + 32;
        if (at + 1 > length) {
            return -1;
        }
        at += 1 + record.getUnsignedByte(start + at);
        if (at + 2 > length) {
            return -1;
        }
        at += 2 + record.getUnsignedShort(start + at);
        if (at + 1 > length) {
            return -1;
        }
        at += 1 + record.getUnsignedByte(start + at);
        if (at + 2 > length || at + 2 + record.getUnsignedShort(start + at) != length) {
            return -1;
        }
        return at;
    }

    /** The offset of the ECH extension's type field, or -1; {@code extensionsAt} from {@link #extensionsOffset}. */
    private static int find(ByteBuf record, int extensionsAt) {
        int start = record.readerIndex();
        int end = record.readableBytes();
        int at = extensionsAt + 2;
        while (at + 4 <= end) {
            int type = record.getUnsignedShort(start + at);
            int size = record.getUnsignedShort(start + at + 2);
            if (at + 4 + size > end) {
                return -1;
            }
            if (type == EXTENSION) {
                return at;
            }
            at += 4 + size;
        }
        return -1;
    }
}
