package dev.censorsim.dns;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Forwards questions outside every zone to the one configured upstream over UDP, and only there. A timeout becomes
 * SERVFAIL. Records are relayed as their RDATA bytes, so types whose RDATA may hold compressed names (RFC 3597 4)
 * and that Netty does not decompress (SOA, MX and the obsolete mailbox types) are left out rather than corrupted.
 */
final class DnsForwarder implements AutoCloseable {

    private final DnsLookupClient client;

    DnsForwarder(InetSocketAddress upstream, Duration timeout, EventLoopGroup group) {
        this.client = DnsLookupClient.open(upstream, timeout, group);
    }

    /** Calls {@code onResponse} with the upstream's response (to be released by the callee) or {@code null}. */
    void forward(IncomingQuery query, Consumer<DnsResponse> onResponse) {
        client.exchange(query.questionName(), query.questionType(), true, response -> {
            try {
                onResponse.accept(response);
            } finally {
                if (response != null) {
                    response.release();
                }
            }
        });
    }

    static boolean isRelayable(DnsRecordType type) {
        int t = type.intValue();
        return t != DnsRecordType.SOA.intValue() && t != DnsRecordType.MX.intValue() && (t < 7 || t > 9)
                && t != 14;
    }

    @Override
    public void close() {
        client.close();
    }
}
