package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;

import java.util.List;

/**
 * Writes a response message, truncating it when it does not fit. Raw records, the echoed question, the header and OPT
 * are written here (other record kinds, such as Netty's decoded PTR, go through its {@link DnsRecordEncoder}), so the encoded size is known before the message
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
        if (query.questionWire() != null) {
            out.writeBytes(query.questionWire()); // echoed byte for byte, case included (DNS 0x20)
            qdcount = 1;
        }
        final int afterQuestion = out.writerIndex();
        int ancount = writeAll(out, answer.answers);
        int nscount = writeAll(out, answer.authority);
        int optRoom = ednsSize == IncomingQuery.NO_EDNS ? 0 : OPT_LENGTH;
        boolean truncated = answer.truncate || out.writerIndex() - start + optRoom > limit;
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
        for (int i = 0; i < records.size(); i++) {
            DnsRecord record = records.get(i);
            if (record instanceof ZoneRecord zone) {
                writeZoneRecord(out, zone);
            } else if (record instanceof DnsRawRecord raw) {
                writeRaw(out, raw);
            } else {
                DnsRecordEncoder.DEFAULT.encodeRecord(record, out);
            }
        }
        return records.size();
    }

    /**
     * RFC 1035 4.1.3: NAME, TYPE, CLASS, TTL, RDLENGTH, RDATA. Written here rather than by Netty's encoder, whose name
     * encoding splits the name into new strings for every record (about 800 bytes of garbage per name).
     */
    private static void writeRaw(ByteBuf out, DnsRawRecord raw) {
        writeName(out, raw.name());
        out.writeShort(raw.type().intValue());
        out.writeShort(raw.dnsClass());
        out.writeInt((int) raw.timeToLive());
        ByteBuf content = raw.content();
        out.writeShort(content.readableBytes());
        out.writeBytes(content, content.readerIndex(), content.readableBytes());
    }

    private static void writeZoneRecord(ByteBuf out, ZoneRecord record) {
        writeName(out, record.name());
        out.writeShort(record.type().intValue());
        out.writeShort(record.dnsClass());
        out.writeInt((int) record.timeToLive());
        out.writeShort(record.rdata().length);
        out.writeBytes(record.rdata());
    }

    /** A dotted name as uncompressed labels (RFC 1035 3.1); {@code "."} and {@code ""} are the root. */
    static void writeName(ByteBuf out, String name) {
        final int n = name.length();
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || name.charAt(i) == '.') {
                int len = i - labelStart;
                if (len > 0) {
                    if (len > 63) {
                        throw new IllegalArgumentException("label over 63 bytes in " + name);
                    }
                    out.writeByte(len);
                    for (int c = labelStart; c < i; c++) {
                        out.writeByte(name.charAt(c));
                    }
                }
                labelStart = i + 1;
            }
        }
        out.writeByte(0);
    }
}
