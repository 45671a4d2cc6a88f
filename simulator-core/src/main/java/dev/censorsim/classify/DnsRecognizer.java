package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises a DNS message over UDP by header sanity and a parse of its one question; exposes the query name.
 * Reusable and allocation-free; never throws.
 *
 * <p>Wire layout (RFC 1035 §4.1.1 header, §4.1.2 question, §3.1 names; RFC 6891 for the EDNS OPT in additionals):
 * <pre>
 *   u16 id
 *   u1  QR, u4 opcode (0 query, 1 inverse, 2 status, 4 notify, 5 update), u1 AA, u1 TC, u1 RD, u1 RA, u1 Z,
 *   u1  AD, u1 CD, u4 rcode
 *   u16 qdcount, u16 ancount, u16 nscount, u16 arcount
 *   question: qname as labels (u8 length 1..63, then the bytes), ending with a zero byte, at most 255 bytes in all;
 *             u16 qtype, u16 qclass (1 IN, 3 CH, 4 HS, 254 NONE, 255 ANY; mDNS sets the top bit)
 * </pre>
 * Random payloads pass all of this with negligible probability: exactly one question, plausible counts, printable
 * labels, a valid class, and no compression pointer in the first name (nothing precedes it to point to).
 */
public final class DnsRecognizer {

    public static final int HEADER_LENGTH = 12;
    public static final int MAX_NAME_LENGTH = 255;
    public static final int MAX_LABEL_LENGTH = 63;

    private static final int FLAGS_OFFSET = 2;
    private static final int QDCOUNT_OFFSET = 4;
    private static final int ANCOUNT_OFFSET = 6;
    private static final int NSCOUNT_OFFSET = 8;
    private static final int ARCOUNT_OFFSET = 10;
    /** Far above any real response (a few dozen records), far below what random 16-bit counts look like. */
    private static final int MAX_RECORD_COUNT = 256;
    private static final int QR = 0x8000;
    private static final int Z = 0x0040;

    private int nameOffset;
    private int nameWireLength;
    private int nameLength;
    private int queryType;
    private int flags;

    /** Whether {@code buffer[index, index + length)} (one whole UDP payload) is a DNS message with one question. */
    public boolean recognize(ByteBuf buffer, int index, int length) {
        if (length < HEADER_LENGTH + 5) {
            return false;
        }
        int headerFlags = buffer.getUnsignedShort(index + FLAGS_OFFSET);
        int opcode = headerFlags >>> 11 & 0xf;
        boolean response = (headerFlags & QR) != 0;
        if ((opcode != 0 && opcode != 1 && opcode != 2 && opcode != 4 && opcode != 5) || (headerFlags & Z) != 0
                || (!response && (headerFlags & 0xf) != 0)) {
            return false;
        }
        if (buffer.getUnsignedShort(index + QDCOUNT_OFFSET) != 1
                || buffer.getUnsignedShort(index + ANCOUNT_OFFSET) > MAX_RECORD_COUNT
                || buffer.getUnsignedShort(index + NSCOUNT_OFFSET) > MAX_RECORD_COUNT
                || buffer.getUnsignedShort(index + ARCOUNT_OFFSET) > MAX_RECORD_COUNT) {
            return false;
        }
        final int end = index + length;
        final int start = index + HEADER_LENGTH;
        int at = start;
        int dotted = 0;
        while (true) {
            if (at >= end) {
                return false;
            }
            int label = buffer.getUnsignedByte(at);
            if (label == 0) {
                at++;
                break;
            }
            if (label > MAX_LABEL_LENGTH || at + 1 + label - start + 1 > MAX_NAME_LENGTH || end - at - 1 < label) {
                return false;
            }
            for (int i = at + 1, last = at + label; i <= last; i++) {
                int c = buffer.getUnsignedByte(i);
                if (c <= 0x20 || c >= 0x7f) {
                    return false;
                }
            }
            dotted += dotted == 0 ? label : label + 1;
            at += 1 + label;
        }
        if (end - at < 4) {
            return false;
        }
        int qclass = buffer.getUnsignedShort(at + 2) & 0x7fff;
        if (qclass != 1 && qclass != 3 && qclass != 4 && qclass != 254 && qclass != 255) {
            return false;
        }
        this.queryType = buffer.getUnsignedShort(at);
        this.flags = headerFlags;
        this.nameOffset = start;
        this.nameWireLength = at - start;
        this.nameLength = dotted;
        return true;
    }

    public boolean isResponse() {
        return (flags & QR) != 0;
    }

    /** The response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN...). */
    public int responseCode() {
        return flags & 0xf;
    }

    public int queryType() {
        return queryType;
    }

    /** Index of the question name's first length byte in the buffer last recognised. */
    public int nameOffset() {
        return nameOffset;
    }

    /** Length of the question name in wire form, final zero byte included. */
    public int nameWireLength() {
        return nameWireLength;
    }

    /** Length of the question name in dotted form without a trailing dot (0 for the root). */
    public int nameLength() {
        return nameLength;
    }

    /**
     * Copies the question name of the last recognised message, dotted, into {@code target} (lower case untouched) and
     * returns its length; {@code buffer} must be the one recognised, unchanged.
     *
     * @throws IndexOutOfBoundsException when {@code target} is shorter than {@link #nameLength()} from {@code offset}
     */
    public int copyName(ByteBuf buffer, byte[] target, int offset) {
        if (target.length - offset < nameLength) {
            throw new IndexOutOfBoundsException("name needs " + nameLength + " bytes");
        }
        int at = nameOffset;
        int out = offset;
        int label;
        while ((label = buffer.getUnsignedByte(at)) != 0) {
            if (out != offset) {
                target[out++] = '.';
            }
            buffer.getBytes(at + 1, target, out, label);
            out += label;
            at += 1 + label;
        }
        return out - offset;
    }
}
