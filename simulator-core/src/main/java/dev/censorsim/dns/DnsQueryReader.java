package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordDecoder;

/**
 * Reads a query message. The header is read here, by hand, so that a message whose header is readable but whose body
 * is not still gets a FORMERR with its ID: Netty's {@code DatagramDnsQueryDecoder} only reports an exception, without
 * the ID or the sender, and {@code TcpDnsQueryDecoder} is final. The question goes through Netty's
 * {@link DnsRecordDecoder}; the other sections are walked with bounds checks to find the OPT record.
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
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.NOT_IMPLEMENTED);
        }
        if (qdcount != 1) {
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR);
        }
        ByteBuf body = buf.duplicate();
        body.readerIndex(start + HEADER_LENGTH);
        DnsQuestion question;
        try {
            question = DnsRecordDecoder.DEFAULT.decodeQuestion(body);
        } catch (Exception e) {
            // Netty throws IndexOutOfBounds or CorruptedFrame on a bad name; either way the client sent garbage.
            return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR);
        }
        String name = question.name();
        int qtype = question.type().intValue();
        int qclass = question.dnsClass();
        int udpSize = IncomingQuery.NO_EDNS;
        int version = 0;
        int records = ancount + nscount + arcount;
        for (int i = 0; i < records; i++) {
            if (!skipName(body)) {
                return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR);
            }
            int at = body.readerIndex();
            if (end - at < RR_FIXED_LENGTH) {
                return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR);
            }
            int type = body.getUnsignedShort(at);
            int rdLength = body.getUnsignedShort(at + 8);
            if (end - at - RR_FIXED_LENGTH < rdLength) {
                return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR);
            }
            if (type == OPT_TYPE) {
                // RFC 6891 6.1.1: more than one OPT, or one outside the additional section, is a FORMERR.
                if (udpSize != IncomingQuery.NO_EDNS || i < ancount + nscount) {
                    return problem(id, opcode, rd, cd, IncomingQuery.Problem.FORMAT_ERROR);
                }
                udpSize = body.getUnsignedShort(at + 2);
                version = body.getUnsignedByte(at + 5);
            }
            body.readerIndex(at + RR_FIXED_LENGTH + rdLength);
        }
        if (udpSize != IncomingQuery.NO_EDNS && version > 0) {
            return new IncomingQuery(id, opcode, rd, cd, name, qtype, qclass, udpSize, version,
                    IncomingQuery.Problem.BAD_VERSION);
        }
        return new IncomingQuery(id, opcode, rd, cd, name, qtype, qclass, udpSize, version, null);
    }

    private static IncomingQuery problem(int id, int opcode, boolean rd, boolean cd, IncomingQuery.Problem problem) {
        return new IncomingQuery(id, opcode, rd, cd, null, 0, 0, IncomingQuery.NO_EDNS, 0, problem);
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
