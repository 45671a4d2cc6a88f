package dev.censorsim.dns;

import dev.censorsim.policy.PolicyHolder;
import io.netty.buffer.ByteBuf;

import java.net.InetAddress;
import java.util.List;

/**
 * The server's answer path without a socket: query bytes in, response bytes out, through the same reader, zone
 * lookup, record surgery and writer as the UDP handler. For benchmarks, and for a scenario that wants answers without
 * binding a port. Forwarding is not available here (it is asynchronous); names outside every zone get REFUSED.
 * Thread-safe.
 */
public final class DnsMessageProcessor {

    /** Returned by {@link #answer} when nothing is to be sent. */
    public static final int NO_RESPONSE = -1;

    private final DnsResponder responder;
    private final int maxUdpPayload;

    public DnsMessageProcessor(List<Zone> zones, PolicyHolder policy) {
        this.responder = new DnsResponder(zones, policy, null);
        this.maxUdpPayload = DnsServerOptions.DEFAULT_MAX_UDP_PAYLOAD;
    }

    /**
     * Answers the query between {@code query}'s reader and writer indexes as if it came over UDP from
     * {@code client}, appending the response to {@code out}.
     *
     * @return the response's RCODE, or {@link #NO_RESPONSE} when it is dropped (malformed beyond reply, a response,
     *         or the {@code timeout} action)
     */
    public int answer(ByteBuf query, InetAddress client, ByteBuf out) {
        IncomingQuery q = DnsQueryReader.read(query);
        if (q == null) {
            return NO_RESPONSE;
        }
        int[] rcode = {NO_RESPONSE};
        responder.respond(q, client, a -> {
            try {
                if (a.drop) {
                    return;
                }
                int limit = QueryReplies.udpLimit(q, maxUdpPayload);
                int mark = out.writerIndex();
                try {
                    DnsResponseWriter.writeOrServfail(out, q, a, limit, q.hasEdns() ? limit : IncomingQuery.NO_EDNS);
                    rcode[0] = a.rcode;
                } catch (Exception e) {
                    out.writerIndex(mark);
                }
            } finally {
                a.release();
            }
        });
        return rcode[0];
    }
}
