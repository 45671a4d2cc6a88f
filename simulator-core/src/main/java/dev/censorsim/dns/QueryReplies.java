package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.dns.DnsRecordType;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/** The encoding and logging steps both transports share once an answer is decided. */
final class QueryReplies {

    /** The classic UDP limit without EDNS (RFC 1035 4.2.1). */
    static final int CLASSIC_UDP_LIMIT = 512;
    static final int TCP_LIMIT = 65535;

    private QueryReplies() {
    }

    /** The UDP message limit for a query: 512 without EDNS, else its advertised size within [512, max]. */
    static int udpLimit(IncomingQuery q, int maxUdpPayload) {
        return q.hasEdns() ? Math.max(CLASSIC_UDP_LIMIT, Math.min(q.ednsUdpSize(), maxUdpPayload))
                : CLASSIC_UDP_LIMIT;
    }

    /**
     * Encodes the answer into a new buffer; {@code truncated[0]} tells whether TC was set. An answer with a record
     * that cannot be written becomes a SERVFAIL ({@link DnsResponseWriter#writeOrServfail}); {@code null} only if even
     * that failed. With {@code lengthPrefix}, the RFC 1035 4.2.2 two-byte
     * length goes first (TCP).
     */
    static ByteBuf encode(ByteBufAllocator alloc, IncomingQuery q, DnsAnswer answer, int limit, int ednsSize,
                          boolean lengthPrefix, boolean[] truncated) {
        ByteBuf buf = alloc.ioBuffer(256);
        try {
            if (lengthPrefix) {
                buf.writeShort(0);
            }
            int start = buf.writerIndex();
            truncated[0] = DnsResponseWriter.writeOrServfail(buf, q, answer, limit, ednsSize);
            if (lengthPrefix) {
                buf.setShort(0, buf.writerIndex() - start);
            }
            return buf;
        } catch (Exception e) {
            buf.release();
            return null;
        }
    }

    static void log(Consumer<DnsQueryEvent> listener, InetSocketAddress client, String transport, IncomingQuery q,
                    DnsAnswer a, boolean sent, boolean truncated) {
        if (listener == null) {
            return;
        }
        String qtype = q.questionName() == null ? "-" : DnsRecordType.valueOf(q.questionType()).name();
        try {
            listener.accept(new DnsQueryEvent(client, transport, q.questionName() == null ? "-" : q.questionName(),
                    qtype, sent ? a.rcode : -1, truncated ? 0 : a.answers.size(), a.ruleName, a.forwarded,
                    truncated));
        } catch (RuntimeException e) {
            // A listener's bug must not stop the server from serving.
        }
    }
}
