package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;

/**
 * Reads a query message. The header is read here, by hand, so that a message whose header is readable but whose body
 * is not still gets a FORMERR with its ID: Netty's {@code DatagramDnsQueryDecoder} only reports an exception, without
 * the ID or the sender, and {@code TcpDnsQueryDecoder} is final. The question is read here too, into one string and
 * its raw bytes (Netty's name decoder costs about 800 bytes of garbage per name); the other sections are walked with
 * bounds checks to find the OPT record.
 *
 * <pre>
 * RFC 1035 4.1.1 header, 12 bytes, big-endian:
 *   0  ID
 *   2  QR(1) OPCODE(4) AA(1) TC(1) RD(1) | RA(1) Z(1) AD(1) CD(1) RCODE(4)
 *   4  QDCOUNT   6  ANCOUNT   8  NSCOUNT   10 ARCOUNT
 * RFC 1035 4.1.3 resource record after its owner name:
 *   TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA(RDLENGTH)
 * RFC 6891 6.1.2 OPT: owner root, TYPE 41, CLASS = requester's UDP payload size, TTL = EXT-RCODE(8) VERSION(8) DO(1) Z(15)
 * </pre>
 */
final class DnsQueryReader {

    static final int HEADER_LENGTH = 12;
    private static final int OPT_TYPE = 41;
    private static final int RR_FIXED_LENGTH = 10;
    /** DO, the high bit of the OPT's flags (the low half of its TTL field; RFC 3225 §3). */
    private static final int DO_BIT = 0x8000;

    private DnsQueryReader() {
    }

    /**
     * Reads the message between {@code buf}'s reader and writer indexes without moving them.
     *
     * @return {@code null} when the message must be dropped unanswered: shorter than a header, or a response (QR set),
     *         which a server never answers so that two servers cannot loop
     */
    static IncomingQuery read(ByteBuf buf) {
        final int start = buf.readerIndex();
        final int end = buf.writerIndex();
        if (end - start < HEADER_LENGTH) {
            return null;
        }
        int id = buf.getUnsignedShort(start);
        int flags = buf.getUnsignedShort(start + 2);
        if ((flags & 0x8000) != 0) {
            return null;
        }
        int opcode = (flags >>> 11) & 0xf;
        boolean rd = (flags & 0x0100) != 0;
        boolean cd = (flags & 0x0010) != 0;
        int qdcount = buf.getUnsignedShort(start + 4);
        int ancount = buf.getUnsignedShort(start + 6);
        int nscount = buf.getUnsignedShort(start + 8);
        int arcount = buf.getUnsignedShort(start + 10);
        if (opcode != 0) {
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.NOT_IMPLEMENTED, buf, qdcount);
        }
        if (qdcount != 1) {
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR, buf, qdcount);
        }
        // RFC 1035 4.1.2 question: QNAME as labels (no compression pointer can be valid this early), QTYPE, QCLASS.
        final int qstart = start + HEADER_LENGTH;
        String name = readQuestionName(buf, qstart, end);
        if (name == null) {
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR, buf, qdcount);
        }
        int qend = qstart + wireLength(buf, qstart);
        if (end - qend < 4) {
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR, buf, qdcount);
        }
        int qtype = buf.getUnsignedShort(qend);
        int qclass = buf.getUnsignedShort(qend + 2);
        byte[] questionWire = new byte[qend + 4 - qstart];
        buf.getBytes(qstart, questionWire);
        ByteBuf body = buf.duplicate();
        body.readerIndex(qend + 4);
        int udpSize = IncomingQuery.NO_EDNS;
        int version = 0;
        boolean dnssecOk = false;
        int records = ancount + nscount + arcount;
        for (int i = 0; i < records; i++) {
            if (!skipName(body)) {
                return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR, udpSize, dnssecOk);
            }
            int at = body.readerIndex();
            if (end - at < RR_FIXED_LENGTH) {
                return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR, udpSize, dnssecOk);
            }
            int type = body.getUnsignedShort(at);
            int rdLength = body.getUnsignedShort(at + 8);
            if (end - at - RR_FIXED_LENGTH < rdLength) {
                return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR, udpSize, dnssecOk);
            }
            if (type == OPT_TYPE) {
                // RFC 6891 6.1.1: more than one OPT, or one outside the additional section, is a FORMERR; the
                // FORMERR still carries an OPT (§7), so the client sees a server that speaks EDNS.
                if (udpSize != IncomingQuery.NO_EDNS || i < ancount + nscount) {
                    return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR,
                            body.getUnsignedShort(at + 2), dnssecOk(body, at));
                }
                udpSize = body.getUnsignedShort(at + 2);
                version = body.getUnsignedByte(at + 5);
                dnssecOk = dnssecOk(body, at);
            }
            body.readerIndex(at + RR_FIXED_LENGTH + rdLength);
        }
        if (udpSize != IncomingQuery.NO_EDNS && version > 0) {
            return new IncomingQuery(id, opcode, rd, cd, name, qtype, qclass, questionWire, udpSize, version,
                    dnssecOk, IncomingQuery.Problem.BAD_VERSION);
        }
        return new IncomingQuery(id, opcode, rd, cd, name, qtype, qclass, questionWire, udpSize, version, dnssecOk,
                null);
    }

    /**
     * A problem found in the header or the question: the message is walked once more, leniently, for an OPT, so that
     * a query that carried one gets one back with its FORMERR or NOTIMP (RFC 6891 §6.1.1, §7).
     */
    private static IncomingQuery problem(int id, int opcode, boolean rd, boolean cd, IncomingQuery.Problem problem,
                                         ByteBuf buf, int qdcount) {
        final int end = buf.writerIndex();
        ByteBuf body = buf.duplicate();
        body.readerIndex(buf.readerIndex() + HEADER_LENGTH);
        for (int i = 0; i < qdcount; i++) {
            if (!skipName(body) || end - body.readerIndex() < 4) {
                return problem(id, opcode, rd, cd, problem, IncomingQuery.NO_EDNS, false);
            }
            body.readerIndex(body.readerIndex() + 4);
        }
        int start = buf.readerIndex();
        int records = buf.getUnsignedShort(start + 6) + buf.getUnsignedShort(start + 8)
                + buf.getUnsignedShort(start + 10);
        for (int i = 0; i < records; i++) {
            if (!skipName(body) || end - body.readerIndex() < RR_FIXED_LENGTH) {
                break;
            }
            int at = body.readerIndex();
            int rdLength = body.getUnsignedShort(at + 8);
            if (end - at - RR_FIXED_LENGTH < rdLength) {
                break;
            }
            if (body.getUnsignedShort(at) == OPT_TYPE) {
                return problem(id, opcode, rd, cd, problem, body.getUnsignedShort(at + 2),
                        dnssecOk(body, at));
            }
            body.readerIndex(at + RR_FIXED_LENGTH + rdLength);
        }
        return problem(id, opcode, rd, cd, problem, IncomingQuery.NO_EDNS, false);
    }

    /** The DO bit of the OPT record whose fixed part starts at {@code at} (after its owner name). */
    private static boolean dnssecOk(ByteBuf body, int at) {
        return (body.getUnsignedShort(at + 6) & DO_BIT) != 0;
    }

    /** @param udpSize the OPT's payload size, or {@link IncomingQuery#NO_EDNS} when the query had none */
    private static IncomingQuery problem(int id, int opcode, boolean rd, boolean cd, IncomingQuery.Problem problem,
                                         int udpSize, boolean dnssecOk) {
        return new IncomingQuery(id, opcode, rd, cd, null, 0, 0, null, udpSize, 0, dnssecOk, problem);
    }

    /**
     * The question name as text with a trailing dot ({@code "."} for the root), or {@code null} when it is not a
     * plain label sequence within bounds: a pointer, a label over 63 bytes, over 255 bytes in all (RFC 1035 2.3.4),
     * or a byte that would make the text ambiguous (a dot inside a label, or a non-printable one). One allocation:
     * the string itself.
     */
    static String readQuestionName(ByteBuf buf, int from, int end) {
        int at = from;
        int textLength = 0;
        while (true) {
            if (at >= end) {
                return null;
            }
            int len = buf.getUnsignedByte(at);
            if (len == 0) {
                break;
            }
            if (len > 63 || at + 1 + len > end || at + 1 + len - from > 254) {
                return null;
            }
            for (int i = at + 1; i <= at + len; i++) {
                if (!DnsNames.askable(buf.getUnsignedByte(i))) {
                    return null;
                }
            }
            textLength += len + 1;
            at += 1 + len;
        }
        if (textLength == 0) {
            return ".";
        }
        byte[] text = new byte[textLength];
        int w = 0;
        for (int r = from; ; ) {
            int len = buf.getUnsignedByte(r);
            if (len == 0) {
                break;
            }
            buf.getBytes(r + 1, text, w, len);
            w += len;
            text[w++] = '.';
            r += 1 + len;
        }
        return new String(text, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Bytes taken by the already validated name at {@code from}, root label included. */
    private static int wireLength(ByteBuf buf, int from) {
        int at = from;
        for (int len; (len = buf.getUnsignedByte(at)) != 0; ) {
            at += 1 + len;
        }
        return at + 1 - from;
    }

    /** Skips an owner name (labels or a compression pointer, RFC 1035 4.1.4); false when it runs off the end. */
    private static boolean skipName(ByteBuf body) {
        final int end = body.writerIndex();
        int at = body.readerIndex();
        for (int labels = 0; labels < 128; labels++) {
            if (at >= end) {
                return false;
            }
            int len = body.getUnsignedByte(at);
            if ((len & 0xc0) == 0xc0) {
                if (at + 2 > end) {
                    return false;
                }
                body.readerIndex(at + 2);
                return true;
            }
            if ((len & 0xc0) != 0) {
                return false;
            }
            at += 1 + len;
            if (len == 0) {
                body.readerIndex(at);
                return at <= end;
            }
        }
        return false;
    }
}
