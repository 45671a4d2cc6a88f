package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises a STUN message (RFC 8489, formerly RFC 5389) filling a UDP datagram exactly. Reusable and
 * allocation-free; never throws.
 *
 * <p>Wire layout (RFC 8489 §5, attributes §14):
 * <pre>
 *   u2  zero                  the two top bits of every STUN message are 0 (tells STUN from RTP, DTLS, QUIC)
 *   u14 message_type          method bits M0..M11 interleaved with class bits C0 (0x0010) and C1 (0x0100)
 *   u16 message_length        bytes after this 20-byte header; a multiple of 4
 *   u32 magic_cookie          0x2112A442
 *   u8  transaction_id[12]
 *   attributes: u16 type, u16 length, value padded to a multiple of 4
 * </pre>
 * Methods accepted: the IANA STUN/TURN methods 0x001..0x00c (binding, allocate, refresh, send, data,
 * create-permission, channel-bind, and the TCP ones) in any class, plus the message types 0x0800..0x0802 that
 * nDPI lists for WhatsApp calls. Attributes 0x4000..0x4007 are WhatsApp's private range as nDPI notes it
 * (0x4004 and 0x4007 seen in its relay traffic); {@link #hasWhatsAppHint()} reports either sign.
 */
public final class StunRecognizer {

    public static final int MAGIC_COOKIE = 0x2112a442;
    public static final int HEADER_LENGTH = 20;

    public static final int BINDING_REQUEST = 0x0001;
    public static final int BINDING_SUCCESS = 0x0101;
    public static final int WHATSAPP_FIRST_TYPE = 0x0800;
    public static final int WHATSAPP_LAST_TYPE = 0x0802;
    public static final int WHATSAPP_FIRST_ATTRIBUTE = 0x4000;
    public static final int WHATSAPP_LAST_ATTRIBUTE = 0x4007;

    private static final int LENGTH_OFFSET = 2;
    private static final int COOKIE_OFFSET = 4;
    private static final int METHOD_MASK = 0x3eef;
    private static final int CLASS_MASK = 0x0110;
    private static final int LAST_IANA_METHOD = 0x000c;
    /** No real message carries more; bounds the attribute walk on crafted input. */
    private static final int MAX_ATTRIBUTES = 64;

    private int messageType;
    private int attributeCount;
    private boolean whatsAppHint;

    /** Whether {@code buffer[index, index + length)} (one whole UDP payload) is exactly one STUN message. */
    public boolean recognize(ByteBuf buffer, int index, int length) {
        if (length < HEADER_LENGTH) {
            return false;
        }
        int type = buffer.getUnsignedShort(index);
        int declared = buffer.getUnsignedShort(index + LENGTH_OFFSET);
        if ((type & 0xc000) != 0 || (declared & 3) != 0 || declared + HEADER_LENGTH != length
                || buffer.getInt(index + COOKIE_OFFSET) != MAGIC_COOKIE) {
            return false;
        }
        boolean whatsAppType = type >= WHATSAPP_FIRST_TYPE && type <= WHATSAPP_LAST_TYPE;
        int method = type & METHOD_MASK;
        if (!whatsAppType && (method == 0 || method > LAST_IANA_METHOD)) {
            return false;
        }
        int at = index + HEADER_LENGTH;
        final int end = index + length;
        int count = 0;
        boolean hint = whatsAppType;
        while (at < end) {
            if (end - at < 4 || ++count > MAX_ATTRIBUTES) {
                return false;
            }
            int attribute = buffer.getUnsignedShort(at);
            int valueLength = buffer.getUnsignedShort(at + 2);
            int padded = (valueLength + 3) & ~3;
            if (padded > end - at - 4) {
                return false;
            }
            if (attribute >= WHATSAPP_FIRST_ATTRIBUTE && attribute <= WHATSAPP_LAST_ATTRIBUTE) {
                hint = true;
            }
            at += 4 + padded;
        }
        messageType = type;
        attributeCount = count;
        whatsAppHint = hint;
        return true;
    }

    /** The 14-bit message type of the last recognised message (e.g. 0x0001 binding request). */
    public int messageType() {
        return messageType;
    }

    /** The method without the class bits (0x001 binding, 0x003 allocate...). */
    public int method() {
        return messageType & METHOD_MASK;
    }

    /** The class: 0 request, 1 indication, 2 success response, 3 error response. */
    public int messageClass() {
        int bits = messageType & CLASS_MASK;
        return (bits >>> 4 & 1) | (bits >>> 7 & 2);
    }

    public int attributeCount() {
        return attributeCount;
    }

    /** The message type or an attribute is in the range nDPI attributes to WhatsApp calls. */
    public boolean hasWhatsAppHint() {
        return whatsAppHint;
    }
}
