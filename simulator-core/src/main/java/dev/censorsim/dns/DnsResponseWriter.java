package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.List;

/**
 * Writes a response message, truncating it when it does not fit. Raw records, the echoed question, the header and OPT
 * are written here (other record kinds, such as Netty's decoded PTR, go through its {@link DnsRecordEncoder}), so the
 * encoded size is known before the message leaves, which is what the TC decision needs (RFC 1035 4.2.1, RFC 6891 7):
 * when the whole answer is larger than the limit, the answer and authority sections are cut, TC is set, and the client
 * retries over TCP (RFC 7766 5).
 *
 * <p>Names are compressed (RFC 1035 4.1.4, see {@link NameCompressor}): every owner name, and the names inside the
 * RDATA of zone records of the RFC 1035 types whose RDATA may be compressed (CNAME, NS, PTR, MX, SOA; RFC 3597 4
 * forbids it for any other type). An A answer for {@code g.whatsapp.net} is 48 bytes instead of 62, as nsd's. RDATA
 * relayed from an upstream is copied as received.
 *
 * <pre>
 * RFC 1035 4.1.1 flags written: QR=1, OPCODE echoed, AA, TC, RD echoed, RA, CD echoed, RCODE (low 4 bits; the high
 * 8 bits of a 12-bit extended RCODE go into the OPT TTL, RFC 6891 6.1.3).
 * OPT: 0x00 (root), TYPE 41, CLASS = our UDP payload size, TTL = EXT-RCODE(8) VERSION(8)=0 DO(1)=0 Z(15)=0, RDLENGTH 0.
 * </pre>
 */
final class DnsResponseWriter {

    private static final int OPT_LENGTH = 11;
    private static final int NS = 2;
    private static final int CNAME = 5;
    private static final int SOA = 6;
    private static final int PTR = 12;
    private static final int MX = 15;
    /** One compressor per thread: the UDP handler, TCP handlers and {@link DnsMessageProcessor} callers. */
    private static final FastThreadLocal<NameCompressor> COMPRESSOR = new FastThreadLocal<>() {
        @Override
        protected NameCompressor initialValue() {
            return new NameCompressor();
        }
    };

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
        NameCompressor names = COMPRESSOR.get();
        names.reset(start);
        int qdcount = 0;
        if (query.questionWire() != null) {
            int at = out.writerIndex();
            out.writeBytes(query.questionWire()); // echoed byte for byte, case included (DNS 0x20)
            names.remember(out, at, out.writerIndex());
            qdcount = 1;
        }
        final int afterQuestion = out.writerIndex();
        int ancount = writeAll(out, answer.answers, names);
        int nscount = writeAll(out, answer.authority, names);
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
            // EXTENDED-RCODE, VERSION 0, then DO copied from the query (RFC 3225 §3) and Z.
            out.writeInt((answer.rcode >>> 4) << 24 | (query.dnssecOk() ? 0x8000 : 0));
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

    /**
     * {@link #write}, or, when a record of the answer cannot be written (a name Netty's encoder or
     * {@link #writeName} refuses), a SERVFAIL without records in its place: no query goes unanswered because of one
     * bad record, and the client's resolver tries elsewhere. The answer is then that SERVFAIL, so whoever logs it after
     * logs what was sent.
     */
    static boolean writeOrServfail(ByteBuf out, IncomingQuery query, DnsAnswer answer, int limit, int ednsSize)
            throws Exception {
        int start = out.writerIndex();
        try {
            return write(out, query, answer, limit, ednsSize);
        } catch (Exception unwritable) {
            out.writerIndex(start);
            answer.release();
            answer.rcode = DnsAnswer.SERVFAIL;
            return write(out, query, answer, limit, ednsSize);
        }
    }

    private static int writeAll(ByteBuf out, List<DnsRecord> records, NameCompressor names) throws Exception {
        for (int i = 0; i < records.size(); i++) {
            DnsRecord record = records.get(i);
            if (record instanceof ZoneRecord zone) {
                writeZoneRecord(out, zone, names);
            } else if (record instanceof DnsRawRecord raw) {
                writeRaw(out, raw, names);
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
    private static void writeRaw(ByteBuf out, DnsRawRecord raw, NameCompressor names) {
        writeName(out, raw.name(), names);
        out.writeShort(raw.type().intValue());
        out.writeShort(raw.dnsClass());
        out.writeInt((int) raw.timeToLive());
        ByteBuf content = raw.content();
        out.writeShort(content.readableBytes());
        out.writeBytes(content, content.readerIndex(), content.readableBytes());
    }

    private static void writeZoneRecord(ByteBuf out, ZoneRecord record, NameCompressor names) {
        writeName(out, record.name(), names);
        int type = record.type().intValue();
        out.writeShort(type);
        out.writeShort(record.dnsClass());
        out.writeInt((int) record.timeToLive());
        byte[] rdata = record.rdata();
        int lengthAt = out.writerIndex();
        out.writeShort(rdata.length);
        // RFC 1035 3.3: CNAME, NS, PTR = one name; MX = PREFERENCE(2) EXCHANGE; SOA = MNAME RNAME then five 32-bit fields.
        int r = switch (type) {
            case CNAME, NS, PTR -> copyName(out, rdata, 0, names);
            case MX -> {
                if (rdata.length < 2) {
                    yield -1;
                }
                out.writeBytes(rdata, 0, 2);
                yield copyName(out, rdata, 2, names);
            }
            case SOA -> {
                int afterMname = copyName(out, rdata, 0, names);
                yield afterMname < 0 ? -1 : copyName(out, rdata, afterMname, names);
            }
            default -> -1;
        };
        if (r < 0) {
            out.writerIndex(lengthAt + 2);
            out.writeBytes(rdata);
        } else {
            out.writeBytes(rdata, r, rdata.length - r);
            out.setShort(lengthAt, out.writerIndex() - lengthAt - 2);
        }
    }

    /**
     * Writes the plain name at {@code from} in {@code rdata}, compressed.
     *
     * @return the index in {@code rdata} just after the name, or -1 (nothing written) when no plain name ends within
     *         it, in which case the caller writes the RDATA as it is
     */
    private static int copyName(ByteBuf out, byte[] rdata, int from, NameCompressor names) {
        int end = from;
        while (true) {
            if (end >= rdata.length) {
                return -1;
            }
            int len = rdata[end] & 0xff;
            if (len == 0) {
                break;
            }
            if (len > 63) {
                return -1;
            }
            end += 1 + len;
        }
        end++;
        int at = out.writerIndex();
        out.writeBytes(rdata, from, end - from);
        names.compress(out, at);
        return end;
    }

    /** A dotted name, compressed against the names already in the message. */
    private static void writeName(ByteBuf out, String name, NameCompressor names) {
        int at = out.writerIndex();
        writeName(out, name);
        names.compress(out, at);
    }

    /**
     * A dotted name as uncompressed labels (RFC 1035 3.1); {@code "."} and {@code ""} are the root. A zone key's
     * stand-ins for unaskable bytes are written as those bytes ({@link DnsNames#wireByte}).
     *
     * @throws IllegalArgumentException for a label over 63 bytes or a name over 255 (nothing is written then)
     */
    static void writeName(ByteBuf out, String name) {
        final int n = name.length();
        final int start = out.writerIndex();
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || name.charAt(i) == '.') {
                int len = i - labelStart;
                if (len > 0) {
                    if (len > 63 || out.writerIndex() - start + 1 + len + 1 > 255) {
                        out.writerIndex(start);
                        throw new IllegalArgumentException("label over 63 bytes or name over 255 in "
                                + DnsNames.display(name));
                    }
                    out.writeByte(len);
                    for (int c = labelStart; c < i; c++) {
                        out.writeByte(DnsNames.wireByte(name.charAt(c)));
                    }
                }
                labelStart = i + 1;
            }
        }
        out.writeByte(0);
    }
}
