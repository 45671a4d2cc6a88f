package dev.censorsim.call;

import dev.censorsim.classify.StunRecognizer;
import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * RFC 8489 STUN Binding messages, written and read on Netty ByteBufs with absolute indexes. Never throws on bad input.
 *
 * <p>Wire layout (RFC 8489 §5 header, §14 attributes):
 * <pre>
 *   u16 message_type        top two bits 0; 0x0001 Binding request, 0x0101 Binding success response
 *   u16 message_length      bytes after this 20-byte header, a multiple of 4
 *   u32 magic_cookie        0x2112A442
 *   u8  transaction_id[12]
 *   attributes: u16 type, u16 length, value, zero padding to a multiple of 4
 *
 *   XOR-MAPPED-ADDRESS (0x0020, §14.2): u8 reserved, u8 family (1 IPv4, 2 IPv6),
 *       u16 port ^ (cookie >>> 16), u8 address[4 or 16] ^ (cookie, then transaction id for IPv6)
 *   SOFTWARE (0x8022, §14.14): UTF-8 text
 *   FINGERPRINT (0x8028, §14.7): u32 CRC-32 of the message before it ^ 0x5354554E; the header's length already
 *       counts the FINGERPRINT; it is the last attribute
 * </pre>
 * Readers look at the buffer's readable bytes, which must be exactly one message (a UDP datagram), and do not move
 * any index. A message is well-formed when the header checks hold and its attributes tile the body exactly.
 */
public final class StunBinding {

    public static final int TRANSACTION_ID_BYTES = 12;
    public static final int HEADER_BYTES = StunRecognizer.HEADER_LENGTH;
    public static final int BINDING_REQUEST = StunRecognizer.BINDING_REQUEST;
    public static final int BINDING_SUCCESS = StunRecognizer.BINDING_SUCCESS;
    public static final int XOR_MAPPED_ADDRESS = 0x0020;
    public static final int SOFTWARE = 0x8022;
    public static final int FINGERPRINT = 0x8028;
    /** The SOFTWARE value this class writes. */
    public static final String SOFTWARE_NAME = "censorsim";

    private static final int MAGIC_COOKIE = StunRecognizer.MAGIC_COOKIE;
    private static final int FINGERPRINT_XOR = 0x5354554e;
    private static final int LENGTH_OFFSET = 2;
    private static final int COOKIE_OFFSET = 4;
    private static final int TRANSACTION_OFFSET = 8;
    private static final int ATTRIBUTE_HEADER_BYTES = 4;
    private static final int FINGERPRINT_ATTRIBUTE_BYTES = ATTRIBUTE_HEADER_BYTES + 4;
    private static final int FAMILY_IPV4 = 1;
    private static final int FAMILY_IPV6 = 2;
    private static final int IPV4_VALUE_BYTES = 4 + 4;
    private static final int IPV6_VALUE_BYTES = 4 + 16;
    /** Results of the attribute walk besides an attribute's index. */
    private static final int MALFORMED = -2;
    private static final int NO_ATTRIBUTES = -1;

    private static final byte[] SOFTWARE_BYTES = SOFTWARE_NAME.getBytes(StandardCharsets.UTF_8);
    private static final int SOFTWARE_PADDED = padded(SOFTWARE_BYTES.length);

    private StunBinding() {
    }

    /**
     * Writes a Binding request (0x0001) with SOFTWARE "censorsim" and FINGERPRINT (CRC-32 ^ 0x5354554e, §14.7), at
     * {@code out}'s writer index.
     *
     * @throws IllegalArgumentException when the transaction id is not 12 bytes
     */
    public static void writeRequest(ByteBuf out, byte[] transactionId) {
        requireTransactionId(transactionId);
        final int start = out.writerIndex();
        int bodyLength = ATTRIBUTE_HEADER_BYTES + SOFTWARE_PADDED + FINGERPRINT_ATTRIBUTE_BYTES;
        writeHeader(out, BINDING_REQUEST, bodyLength, transactionId);
        out.writeShort(SOFTWARE);
        out.writeShort(SOFTWARE_BYTES.length);
        out.writeBytes(SOFTWARE_BYTES);
        out.writeZero(SOFTWARE_PADDED - SOFTWARE_BYTES.length);
        writeFingerprint(out, start);
    }

    /**
     * Writes a Binding success response (0x0101) with XOR-MAPPED-ADDRESS (IPv4 or IPv6, §14.2) and FINGERPRINT, at
     * {@code out}'s writer index.
     *
     * @throws IllegalArgumentException when the transaction id is not 12 bytes or the address is unresolved
     */
    public static void writeSuccess(ByteBuf out, byte[] transactionId, InetSocketAddress mapped) {
        requireTransactionId(transactionId);
        InetAddress address = mapped.getAddress();
        if (address == null) {
            throw new IllegalArgumentException("mapped address is unresolved: " + mapped);
        }
        byte[] raw = address.getAddress();
        boolean v4 = address instanceof Inet4Address;
        final int start = out.writerIndex();
        int valueLength = v4 ? IPV4_VALUE_BYTES : IPV6_VALUE_BYTES;
        writeHeader(out, BINDING_SUCCESS, ATTRIBUTE_HEADER_BYTES + valueLength + FINGERPRINT_ATTRIBUTE_BYTES,
                transactionId);
        out.writeShort(XOR_MAPPED_ADDRESS);
        out.writeShort(valueLength);
        out.writeByte(0);
        out.writeByte(v4 ? FAMILY_IPV4 : FAMILY_IPV6);
        out.writeShort(mapped.getPort() ^ (MAGIC_COOKIE >>> 16));
        // The XOR key is the 16 header bytes from the cookie on: the cookie alone for IPv4, cookie + id for IPv6.
        for (int i = 0; i < raw.length; i++) {
            out.writeByte(raw[i] ^ out.getByte(start + COOKIE_OFFSET + i));
        }
        writeFingerprint(out, start);
    }

    /**
     * The message type (e.g. 0x0001, 0x0101) of a well-formed STUN message at buf's readable bytes (magic cookie,
     * length matching, type's top two bits zero), or -1. Copies the transaction id into txOut (12 bytes) when not
     * null and the message is well-formed.
     *
     * @throws IllegalArgumentException when {@code txOut} is shorter than 12 bytes
     */
    public static int readType(ByteBuf buf, byte[] txOut) {
        if (txOut != null && txOut.length < TRANSACTION_ID_BYTES) {
            throw new IllegalArgumentException("txOut must hold 12 bytes, has " + txOut.length);
        }
        final int start = buf.readerIndex();
        if (lastAttribute(buf, start, buf.readableBytes()) == MALFORMED) {
            return -1;
        }
        if (txOut != null) {
            buf.getBytes(start + TRANSACTION_OFFSET, txOut, 0, TRANSACTION_ID_BYTES);
        }
        return buf.getUnsignedShort(start);
    }

    /**
     * The XOR-MAPPED-ADDRESS of a Binding success response, or null when the message is not one, or the attribute is
     * absent or malformed. The first occurrence counts; attributes after FINGERPRINT are not looked at.
     */
    public static InetSocketAddress readXorMappedAddress(ByteBuf buf) {
        final int start = buf.readerIndex();
        final int length = buf.readableBytes();
        if (lastAttribute(buf, start, length) == MALFORMED || buf.getUnsignedShort(start) != BINDING_SUCCESS) {
            return null;
        }
        final int end = start + length;
        int at = start + HEADER_BYTES;
        // Bounds were checked by lastAttribute: every attribute header and padded value lies inside [start, end).
        while (at < end) {
            int type = buf.getUnsignedShort(at);
            int valueLength = buf.getUnsignedShort(at + 2);
            if (type == FINGERPRINT) {
                return null;
            }
            if (type == XOR_MAPPED_ADDRESS) {
                return decodeXorAddress(buf, start, at + ATTRIBUTE_HEADER_BYTES, valueLength);
            }
            at += ATTRIBUTE_HEADER_BYTES + padded(valueLength);
        }
        return null;
    }

    /** True when the message's FINGERPRINT attribute is present, last and correct. */
    public static boolean fingerprintValid(ByteBuf buf) {
        final int start = buf.readerIndex();
        final int length = buf.readableBytes();
        int last = lastAttribute(buf, start, length);
        final int fingerprintAt = start + length - FINGERPRINT_ATTRIBUTE_BYTES;
        if (last < 0 || last != fingerprintAt || buf.getUnsignedShort(last) != FINGERPRINT
                || buf.getUnsignedShort(last + 2) != 4) {
            return false;
        }
        int expected = crc32(buf, start, fingerprintAt - start) ^ FINGERPRINT_XOR;
        return buf.getInt(fingerprintAt + ATTRIBUTE_HEADER_BYTES) == expected;
    }

    /**
     * Checks the header and walks the attributes; returns the absolute index of the last attribute's header,
     * {@link #NO_ATTRIBUTES} for an empty body, or {@link #MALFORMED}.
     */
    private static int lastAttribute(ByteBuf buf, int start, int length) {
        if (length < HEADER_BYTES) {
            return MALFORMED;
        }
        int type = buf.getUnsignedShort(start);
        int declared = buf.getUnsignedShort(start + LENGTH_OFFSET);
        if ((type & 0xc000) != 0 || (declared & 3) != 0 || declared + HEADER_BYTES != length
                || buf.getInt(start + COOKIE_OFFSET) != MAGIC_COOKIE) {
            return MALFORMED;
        }
        final int end = start + length;
        int at = start + HEADER_BYTES;
        int last = NO_ATTRIBUTES;
        // The body is a multiple of 4 and so is every attribute, so a well-formed walk lands exactly on end.
        while (at < end) {
            if (end - at < ATTRIBUTE_HEADER_BYTES) {
                return MALFORMED;
            }
            int paddedValue = padded(buf.getUnsignedShort(at + 2));
            if (paddedValue > end - at - ATTRIBUTE_HEADER_BYTES) {
                return MALFORMED;
            }
            last = at;
            at += ATTRIBUTE_HEADER_BYTES + paddedValue;
        }
        return last;
    }

    private static InetSocketAddress decodeXorAddress(ByteBuf buf, int start, int value, int valueLength) {
        int family = buf.getUnsignedByte(value + 1);
        int addressBytes;
        if (family == FAMILY_IPV4 && valueLength == IPV4_VALUE_BYTES) {
            addressBytes = 4;
        } else if (family == FAMILY_IPV6 && valueLength == IPV6_VALUE_BYTES) {
            addressBytes = 16;
        } else {
            return null;
        }
        int port = buf.getUnsignedShort(value + 2) ^ (MAGIC_COOKIE >>> 16);
        byte[] raw = new byte[addressBytes];
        for (int i = 0; i < addressBytes; i++) {
            raw[i] = (byte) (buf.getByte(value + 4 + i) ^ buf.getByte(start + COOKIE_OFFSET + i));
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (UnknownHostException impossible) {
            // getByAddress throws only for a length other than 4 or 16.
            return null;
        }
    }

    private static void writeHeader(ByteBuf out, int type, int bodyLength, byte[] transactionId) {
        out.writeShort(type);
        out.writeShort(bodyLength);
        out.writeInt(MAGIC_COOKIE);
        out.writeBytes(transactionId);
    }

    /** §14.7: the CRC covers everything before the attribute, with the header length already counting it. */
    private static void writeFingerprint(ByteBuf out, int start) {
        int crc = crc32(out, start, out.writerIndex() - start);
        out.writeShort(FINGERPRINT);
        out.writeShort(4);
        out.writeInt(crc ^ FINGERPRINT_XOR);
    }

    /** CRC-32 (ISO-HDLC, the one RFC 8489 names) of {@code buf[index, index + length)}. One small object per
     *  message; STUN runs once per call, not per media packet. */
    private static int crc32(ByteBuf buf, int index, int length) {
        CRC32 crc = new CRC32();
        if (buf.hasArray()) {
            crc.update(buf.array(), buf.arrayOffset() + index, length);
        } else {
            crc.update(buf.nioBuffer(index, length));
        }
        return (int) crc.getValue();
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    private static void requireTransactionId(byte[] transactionId) {
        if (transactionId.length != TRANSACTION_ID_BYTES) {
            throw new IllegalArgumentException("a transaction id has 12 bytes, not " + transactionId.length);
        }
    }
}
