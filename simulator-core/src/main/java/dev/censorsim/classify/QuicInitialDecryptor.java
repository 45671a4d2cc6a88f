package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import java.security.GeneralSecurityException;

/**
 * Removes the protection of a client's QUIC v1 Initial packets and gathers the TLS ClientHello bytes their CRYPTO frames
 * carry, as censors have done since 2023 to read the SNI of QUIC connections. The keys derive from the destination
 * connection id alone, so anyone on the path can do this (RFC 9001 §5.2: that is by design, Initials only resist
 * off-path injection).
 *
 * <p>Steps (RFC 9001 §5.2 keys in {@link QuicInitialKeys}, §5.4 header protection, §5.3 AEAD; RFC 9000 §19.6
 * CRYPTO frames):
 * <pre>
 *   mask                  = AES-ECB(hp, sample = 16 bytes from packet-number offset + 4)
 *   first byte ^= mask[0] &amp; 0x0f; packet number (1..4 bytes, length from the unmasked first byte) ^= mask[1..]
 *   payload               = AES-128-GCM(key, nonce = iv ^ packet number, aad = header through packet number),
 *                           decrypted here as its AES-CTR keystream without checking the tag: a censor only reads
 *   frames: 0x00 PADDING, 0x01 PING, 0x02/0x03 ACK (skipped), 0x06 CRYPTO: varint offset, varint length, data
 * </pre>
 * A ClientHello spread over several Initials (post-quantum key shares), in any order, is gathered into a per-connection
 * {@link QuicCryptoStream} with {@link #decrypt(ByteBuf, int, QuicInitialRecognizer, QuicCryptoStream)}: the stream
 * keeps the keys of the connection's first Initial, and each packet is decrypted with its own packet number. The
 * one-packet {@link #decrypt(ByteBuf, int, QuicInitialRecognizer)} yields only what that packet holds contiguously
 * from offset 0, the blind spot of boxes that look at one datagram.
 *
 * <p>Without the tag check, a forged or corrupted Initial decrypts to garbage that fails the frame or ClientHello
 * parse, which is all a classifier needs, for a third of the cost of full AES-GCM. Reuses its buffers and JCE objects
 * across packets, but key derivation and AES allocate inside the JDK, so call it for a flow's first few Initials,
 * not per packet. Never throws on malformed input. Not thread-safe.
 */
public final class QuicInitialDecryptor {

    private static final int SAMPLE_LENGTH = 16;
    private static final int TAG_LENGTH = 16;
    private static final int MAX_PACKET = 1 << 16;
    private static final int FRAME_PADDING = 0x00;
    private static final int FRAME_PING = 0x01;
    private static final int FRAME_ACK = 0x02;
    private static final int FRAME_ACK_ECN = 0x03;
    private static final int FRAME_CRYPTO = 0x06;
    /** Far above any real ACK frame in an Initial; bounds the skip loop on garbage. */
    private static final int MAX_ACK_RANGES = 256;

    private final QuicInitialKeys.Deriver keyDeriver;
    private final Cipher headerCipher;
    private final Cipher aead;
    private final byte[] packet = new byte[MAX_PACKET];
    private final byte[] plaintext = new byte[MAX_PACKET];
    private final byte[] nonce = new byte[12];
    private final byte[] counter = new byte[16];
    private final long[] value = new long[1];
    /** For the one-packet {@link #decrypt(ByteBuf, int, QuicInitialRecognizer)}. */
    private final QuicCryptoStream single = new QuicCryptoStream(MAX_PACKET);
    private int cryptoLength;

    public QuicInitialDecryptor() {
        try {
            keyDeriver = new QuicInitialKeys.Deriver();
            headerCipher = Cipher.getInstance("AES/ECB/NoPadding");
            aead = Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide HmacSHA256, AES/ECB and AES/CTR", e);
        }
    }

    /**
     * Decrypts the one Initial packet at {@code buffer[index, index + length)}, which {@code recognizer} has just
     * recognised (its lengths are trusted), and gathers its CRYPTO data.
     *
     * @return the number of contiguous ClientHello bytes from offset 0 now in {@link #cryptoData()}; 0 when the
     *         decrypted frames do not parse (a server's Initial, a corrupted or forged one) or carry no CRYPTO data at
     *         offset 0
     */
    public int decrypt(ByteBuf buffer, int index, QuicInitialRecognizer recognizer) {
        single.reset();
        decrypt(buffer, index, recognizer, single);
        cryptoLength = single.contiguousLength();
        return cryptoLength;
    }

    /**
     * Decrypts the Initial packet at {@code index}, which {@code recognizer} has just recognised, with the keys of
     * {@code stream} (derived from this packet's destination connection id when the stream has none yet, that is for
     * the first Initial offered), and adds its CRYPTO frames to the stream. Counts the packet against the stream's
     * Initial budget whatever its content.
     *
     * @return whether the packet decrypted to well-formed frames that an Initial may carry; its CRYPTO frames before
     *         the first malformed one are kept either way
     */
    public boolean decrypt(ByteBuf buffer, int index, QuicInitialRecognizer recognizer, QuicCryptoStream stream) {
        stream.countInitial();
        int packetLength = recognizer.packetLength();
        int pnOffset = recognizer.packetNumberOffset();
        if (packetLength > MAX_PACKET || pnOffset + 4 + SAMPLE_LENGTH > packetLength) {
            return false;
        }
        buffer.getBytes(index, packet, 0, packetLength);
        try {
            if (!stream.hasKeys()) {
                stream.keys(keyDeriver.client(packet, 6, recognizer.dcidLength()));
            }
            headerCipher.init(Cipher.ENCRYPT_MODE, stream.headerKey);
            byte[] mask = headerCipher.doFinal(packet, pnOffset + 4, SAMPLE_LENGTH);
            packet[0] ^= (byte) (mask[0] & 0x0f);
            int pnLength = (packet[0] & 0x03) + 1;
            long packetNumber = 0;
            for (int i = 0; i < pnLength; i++) {
                packet[pnOffset + i] ^= mask[1 + i];
                packetNumber = packetNumber << 8 | (packet[pnOffset + i] & 0xff);
            }
            System.arraycopy(stream.iv, 0, nonce, 0, 12);
            for (int i = 0; i < 8; i++) {
                nonce[11 - i] ^= (byte) (packetNumber >>> (8 * i));
            }
            int headerLength = pnOffset + pnLength;
            int ciphertextLength = packetLength - headerLength;
            if (ciphertextLength < TAG_LENGTH) {
                return false;
            }
            // GCM's keystream is AES-CTR from inc32(J0) = nonce | 00000002 (NIST SP 800-38D §7.2). A censor only reads,
            // so it skips the GHASH tag check and decrypts just the payload; garbage then fails the frame parse.
            System.arraycopy(nonce, 0, counter, 0, 12);
            counter[12] = 0;
            counter[13] = 0;
            counter[14] = 0;
            counter[15] = 2;
            aead.init(Cipher.DECRYPT_MODE, stream.key, new IvParameterSpec(counter));
            int plain = aead.doFinal(packet, headerLength, ciphertextLength - TAG_LENGTH, plaintext, 0);
            return gatherCrypto(plain, stream);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES with a 16-byte key and IV cannot fail", e);
        }
    }

    /** Walks the decrypted frames, adding CRYPTO data to {@code stream}; stops at the first frame that does not parse. */
    private boolean gatherCrypto(int length, QuicCryptoStream stream) {
        int at = 0;
        while (at < length) {
            int type = plaintext[at++] & 0xff;
            if (type == FRAME_PADDING || type == FRAME_PING) {
                continue;
            }
            if (type == FRAME_ACK || type == FRAME_ACK_ECN) {
                // largest, delay, range count, first range; then count ranges of (gap, length); ECN adds three.
                for (int i = 0; i < 3; i++) {
                    if ((at = varint(at, length, value)) < 0) {
                        return false;
                    }
                }
                long ackRanges = value[0];
                if ((at = varint(at, length, value)) < 0 || ackRanges > MAX_ACK_RANGES) {
                    return false;
                }
                for (long i = 0; i < 2 * ackRanges + (type == FRAME_ACK_ECN ? 3 : 0); i++) {
                    if ((at = varint(at, length, value)) < 0) {
                        return false;
                    }
                }
                continue;
            }
            if (type != FRAME_CRYPTO) {
                // Anything else is not allowed in an Initial (RFC 9000 §17.2.2): stop with what we have.
                return false;
            }
            if ((at = varint(at, length, value)) < 0) {
                return false;
            }
            long offset = value[0];
            if ((at = varint(at, length, value)) < 0) {
                return false;
            }
            long dataLength = value[0];
            if (dataLength > length - at) {
                return false;
            }
            stream.add(plaintext, at, offset, (int) dataLength);
            at += (int) dataLength;
        }
        return true;
    }

    /** Reads a varint at {@code at} into {@code out[0]}; returns the index after it, or -1 when it runs past. */
    private int varint(int at, int end, long[] out) {
        if (at >= end) {
            return -1;
        }
        int length = 1 << ((plaintext[at] & 0xff) >>> 6);
        if (end - at < length) {
            return -1;
        }
        long value = plaintext[at] & 0x3f;
        for (int i = 1; i < length; i++) {
            value = value << 8 | (plaintext[at + i] & 0xff);
        }
        out[0] = value;
        return at + length;
    }

    /** The ClientHello handshake bytes gathered by the last one-packet {@link #decrypt} (no TLS record header). */
    public byte[] cryptoData() {
        return single.data();
    }

    public int cryptoLength() {
        return cryptoLength;
    }
}
