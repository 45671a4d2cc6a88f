package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises one WireGuard message in a UDP payload by its type and exact size. Reusable and allocation-free; never
 * throws. This is how deployed DPI (the 2024 Russian blocks, nDPI's {@code wireguard.c}) finds WireGuard: the
 * protocol has no version field and no plaintext beyond the first 16 bytes, but every handshake message has one
 * fixed length.
 *
 * <p>Wire layout (WireGuard whitepaper, Donenfeld, NDSS 2017, §5.4.2–§5.4.7; Linux {@code drivers/net/wireguard/
 * messages.h}); integers little-endian, all messages start with:
 * <pre>
 *   u8  type          1 handshake initiation, 2 handshake response, 3 cookie reply, 4 transport data
 *   u8  reserved[3]   zero
 * </pre>
 * then, by type:
 * <pre>
 *   1 initiation (148 bytes): u32 sender, u8 ephemeral[32], u8 static[32+16], u8 timestamp[12+16], u8 mac1[16],
 *                             u8 mac2[16]
 *   2 response    (92 bytes): u32 sender, u32 receiver, u8 ephemeral[32], u8 empty[0+16], u8 mac1[16], u8 mac2[16]
 *   3 cookie reply (64 bytes): u32 receiver, u8 nonce[24], u8 cookie[16+16]
 *   4 transport data (&ge; 32): u32 receiver, u64 counter, u8 packet[n+16]; the plaintext is zero-padded to a multiple
 *                             of 16 (§5.4.6), so the whole message is 32 + 16k bytes (a keepalive is exactly 32)
 * </pre>
 * The sender and receiver indexes are random and non-zero in practice, but nothing forbids zero, so they are not
 * checked.
 */
public final class WireGuardRecognizer {

    public static final int TYPE_INITIATION = 1;
    public static final int TYPE_RESPONSE = 2;
    public static final int TYPE_COOKIE_REPLY = 3;
    public static final int TYPE_TRANSPORT = 4;

    public static final int INITIATION_LENGTH = 148;
    public static final int RESPONSE_LENGTH = 92;
    public static final int COOKIE_REPLY_LENGTH = 64;
    /** Header (16) plus the Poly1305 tag (16) of an empty keepalive. */
    public static final int MIN_TRANSPORT_LENGTH = 32;
    private static final int PADDING = 16;

    private int type;

    /** Whether {@code buffer[index, index + length)} (one whole UDP payload) is one WireGuard message. */
    public boolean recognize(ByteBuf buffer, int index, int length) {
        if (length < MIN_TRANSPORT_LENGTH) {
            return false;
        }
        // The type byte and the three reserved zero bytes, read as one big-endian int: 0x0T000000.
        int header = buffer.getInt(index);
        int messageType = header >>> 24;
        if ((header & 0x00ff_ffff) != 0) {
            return false;
        }
        boolean ok = switch (messageType) {
            case TYPE_INITIATION -> length == INITIATION_LENGTH;
            case TYPE_RESPONSE -> length == RESPONSE_LENGTH;
            case TYPE_COOKIE_REPLY -> length == COOKIE_REPLY_LENGTH;
            case TYPE_TRANSPORT -> (length - MIN_TRANSPORT_LENGTH) % PADDING == 0;
            default -> false;
        };
        if (ok) {
            type = messageType;
        }
        return ok;
    }

    /** The message type of the last recognised message (1–4). */
    public int type() {
        return type;
    }

    /** The last recognised message opens a handshake (an initiation): what a censor drops to stop the tunnel. */
    public boolean isHandshakeInitiation() {
        return type == TYPE_INITIATION;
    }
}
