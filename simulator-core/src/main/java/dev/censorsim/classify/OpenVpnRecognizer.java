package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises the packet that opens an OpenVPN session, a hard reset, over UDP (one packet per datagram) or over TCP
 * (each packet behind a 2-byte length). Reusable and allocation-free; never throws.
 *
 * <p>Wire layout of a control packet (OpenVPN {@code src/openvpn/ssl_pkt.h} and {@code reliable.c}; Wireshark's
 * {@code packet-openvpn.c}); integers big-endian:
 * <pre>
 *   [TCP only] u16 length            of the packet that follows
 *   u8   opcode &lt;&lt; 3 | key_id       7 P_CONTROL_HARD_RESET_CLIENT_V2, 8 ..._SERVER_V2, 10 ..._CLIENT_V3; key_id 0
 *   u64  session_id                  the sender's, random
 *   -- with tls-auth:
 *   u8   hmac[16 | 20 | 32 | 64]     over the rest (MD5, SHA-1 (the default), SHA-256, SHA-512)
 *   u32  packet_id                   replay counter: 1 on the first packet
 *   u32  net_time                    Unix seconds
 *   -- with tls-crypt (and V3's tls-crypt-v2): packet_id, net_time, then a 32-byte tag and the rest encrypted
 *   u8   ack_count n                 0 on the client's reset; 1 on the server's (it acks the client's)
 *   u32  acked packet_id[n]
 *   u64  remote session_id           only when n &gt; 0
 *   u32  message packet_id           0 on the first control message
 *   ...  payload                     empty, or early-negotiation TLVs (2.6), or tls-crypt-v2's wrapped key (V3)
 * </pre>
 * Nothing on the wire says whether tls-auth is on or which HMAC it uses, so, as nDPI's {@code openvpn.c} does, the
 * layout is inferred: a replay {@code packet_id} of 1 right after an HMAC of a known length means tls-auth; one right
 * after the session id means tls-crypt; otherwise the plain layout must hold (ack count and message id in place,
 * message id 0). nDPI then waits for both directions to show the same session ids; a censor acting on the first
 * packet cannot wait, so this accepts a single reset whose fields all hold, and, like nDPI, none of 1,200 bytes or
 * more (a QUIC Initial's size).
 */
public final class OpenVpnRecognizer {

    public static final int OPCODE_HARD_RESET_CLIENT_V2 = 7;
    public static final int OPCODE_HARD_RESET_SERVER_V2 = 8;
    public static final int OPCODE_HARD_RESET_CLIENT_V3 = 10;
    /** No tls-auth HMAC. */
    public static final int HMAC_NONE = 0;
    /** tls-crypt: a replay id right after the session id, the rest encrypted. */
    public static final int TLS_CRYPT = -1;

    private static final int[] HMAC_LENGTHS = {20, 16, 32, 64};
    private static final int SESSION_ID_OFFSET = 1;
    private static final int AFTER_SESSION_ID = 9;
    private static final int TLS_CRYPT_TAG = 32;
    /** nDPI: "resets are small packets"; a datagram this big is rather a QUIC Initial. */
    private static final int MAX_RESET_LENGTH = 1199;
    /** opcode, session id, ack count, message packet id. */
    private static final int MIN_PLAIN_LENGTH = 14;

    private int opcode;
    private long sessionId;
    private int hmacLength;

    /** Whether the UDP payload {@code buffer[index, index + length)} is an OpenVPN hard reset. */
    public boolean recognizeDatagram(ByteBuf buffer, int index, int length) {
        return length <= MAX_RESET_LENGTH && recognizePacket(buffer, index, length);
    }

    /**
     * Whether the first bytes of a TCP flow, {@code buffer[index, index + length)}, start with a length-prefixed
     * OpenVPN hard reset. The whole first packet must be there (it is small: 14 to a few hundred bytes).
     */
    public boolean recognizeStream(ByteBuf buffer, int index, int length) {
        if (length < 2 + MIN_PLAIN_LENGTH) {
            return false;
        }
        int packetLength = buffer.getUnsignedShort(index);
        return packetLength <= length - 2 && packetLength <= MAX_RESET_LENGTH
                && recognizePacket(buffer, index + 2, packetLength);
    }

    private boolean recognizePacket(ByteBuf buffer, int index, int length) {
        if (length < MIN_PLAIN_LENGTH) {
            return false;
        }
        int first = buffer.getUnsignedByte(index);
        int code = first >>> 3;
        if ((first & 0x07) != 0
                || (code != OPCODE_HARD_RESET_CLIENT_V2 && code != OPCODE_HARD_RESET_SERVER_V2
                && code != OPCODE_HARD_RESET_CLIENT_V3)) {
            return false;
        }
        boolean server = code == OPCODE_HARD_RESET_SERVER_V2;
        int layout = layout(buffer, index, length, server);
        if (layout == Integer.MIN_VALUE) {
            return false;
        }
        opcode = code;
        sessionId = buffer.getLong(index + SESSION_ID_OFFSET);
        hmacLength = layout;
        return true;
    }

    /** The HMAC length, {@link #TLS_CRYPT}, or {@link Integer#MIN_VALUE} when no layout fits. */
    private static int layout(ByteBuf buffer, int index, int length, boolean server) {
        for (int hmac : HMAC_LENGTHS) {
            int replay = AFTER_SESSION_ID + hmac;
            if (replay + 8 < length && buffer.getInt(index + replay) == 1 && buffer.getInt(index + replay + 4) != 0
                    && acksFit(buffer, index, length, replay + 8, server)) {
                return hmac;
            }
        }
        if (AFTER_SESSION_ID + 8 + TLS_CRYPT_TAG + 5 <= length && buffer.getInt(index + AFTER_SESSION_ID) == 1
                && buffer.getInt(index + AFTER_SESSION_ID + 4) != 0) {
            return TLS_CRYPT;
        }
        return acksFit(buffer, index, length, AFTER_SESSION_ID, server) ? HMAC_NONE : Integer.MIN_VALUE;
    }

    /**
     * The ack array and the message packet id at {@code at}: a client's reset acks nothing, a server's acks the
     * client's reset (packet id 0) and names the client's session; either way the message id is 0.
     */
    private static boolean acksFit(ByteBuf buffer, int index, int length, int at, boolean server) {
        if (at >= length) {
            return false;
        }
        int acks = buffer.getUnsignedByte(index + at);
        if (!server) {
            return acks == 0 && at + 5 <= length && buffer.getInt(index + at + 1) == 0;
        }
        if (acks != 1) {
            return false;
        }
        int messageId = at + 1 + 4 + 8;
        return messageId + 4 <= length && buffer.getInt(index + at + 1) == 0 && buffer.getInt(index + messageId) == 0;
    }

    /** The opcode of the last recognised reset (7, 8 or 10). */
    public int opcode() {
        return opcode;
    }

    /** The sender's session id of the last recognised reset. */
    public long sessionId() {
        return sessionId;
    }

    /** The tls-auth HMAC length inferred for the last recognised reset, {@link #HMAC_NONE} or {@link #TLS_CRYPT}. */
    public int hmacLength() {
        return hmacLength;
    }

    /** The last recognised reset came from a client (V2 or V3). */
    public boolean isClientReset() {
        return opcode != OPCODE_HARD_RESET_SERVER_V2;
    }
}
