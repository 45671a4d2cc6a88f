package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsRecordType;

import java.util.List;

/**
 * Writes a response message, truncating it when it does not fit. Records and the question go through Netty's
 * {@link DnsRecordEncoder}; the header and OPT are written here so that the encoded size is known before the message
 * leaves, which is what the TC decision needs (RFC 1035 4.2.1, RFC 6891 7): when the whole answer is larger than the
 * limit, the answer and authority sections are cut, TC is set, and the client retries over TCP (RFC 7766 5).
 *
 * <pre>
 * RFC 1035 4.1.1 flags written: QR=1, OPCODE echoed, AA, TC, RD echoed, RA, CD echoed, RCODE (low 4 bits; the high
 * 8 bits of a 12-bit extended RCODE go into the OPT TTL, RFC 6891 6.1.3).
 * OPT: 0x00 (root), TYPE 41, CLASS = our UDP payload size, TTL = EXT-RCODE(8) VERSION(8)=0 DO(1)=0 Z(15)=0, RDLENGTH 0.
 * </pre>
 */
final class DnsResponseWriter {

    private static final int OPT_LENGTH = 11;

    private DnsResponseWriter() {
    }

    /**
     * Appends the response to {@code out}.
     *
     * @param limit      the largest message the transport allows (512, the EDNS size, or 65535 on TCP)
     * @param ednsSize   the payload size to advertise in our OPT, or {@link IncomingQuery#NO_EDNS} for no OPT
     * @return whether the message was truncated
     */
    static boolean write(ByteBuf out, IncomingQuery query, DnsAnswer answer, int limit, int ednsSize)
            throws Exception {
        final int start = out.writerIndex();
        out.writeZero(DnsQueryReader.HEADER_LENGTH);
        int qdcount = 0;
        if (query.questionName() != null) {
            DefaultDnsQuestion question = new DefaultDnsQuestion(query.questionName(),
                    DnsRecordType.valueOf(query.questionType()), query.questionClass());
            DnsRecordEncoder.DEFAULT.encodeQuestion(question, out);
            qdcount = 1;
        }
        final int afterQuestion = out.writerIndex();
        int ancount = writeAll(out, answer.answers);
        int nscount = writeAll(out, answer.authority);
        int optRoom = ednsSize == IncomingQuery.NO_EDNS ? 0 : OPT_LENGTH;
        boolean truncated = out.writerIndex() - start + optRoom > limit;
        if (truncated) {
            out.writerIndex(afterQuestion);
            ancount = 0;
            nscount = 0;
        }
        int arcount = 0;
        if (ednsSize != IncomingQuery.NO_EDNS) {
            out.writeByte(0);
            out.writeShort(41);
            out.writeShort(ednsSize);
            out.writeInt((answer.rcode >>> 4) << 24);
            out.writeShort(0);
            arcount = 1;
        }
        int flags = 0x8000 | (query.opcode() << 11) | (answer.rcode & 0xf);
        if (answer.authoritative) {
            flags |= 0x0400;
        }
        if (truncated) {
            flags |= 0x0200;
        }
        if (query.recursionDesired()) {
            flags |= 0x0100;
        }
        if (answer.recursionAvailable) {
            flags |= 0x0080;
        }
        if (query.checkingDisabled()) {
            flags |= 0x0010;
        }
        out.setShort(start, query.id());
        out.setShort(start + 2, flags);
        out.setShort(start + 4, qdcount);
        out.setShort(start + 6, ancount);
        out.setShort(start + 8, nscount);
        out.setShort(start + 10, arcount);
        return truncated;
    }

    private static int writeAll(ByteBuf out, List<DnsRecord> records) throws Exception {
        for (DnsRecord record : records) {
            DnsRecordEncoder.DEFAULT.encodeRecord(record, out);
        }
        return records.size();
    }
}
