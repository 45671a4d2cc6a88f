package dev.censorsim.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The result of one {@link DnsLookupClient#lookup}: the outcome, the A/AAAA addresses found (empty for other types
 * and outcomes), the response code (-1 on timeout), the time from sending the query to reading the answer, and the
 * smallest TTL of the answer's records of the asked type (0 when there are none), for how long a stub may cache it.
 */
public record DnsLookupResult(DnsLookupOutcome outcome, List<InetAddress> addresses, int rcode, long latencyNanos,
                              long ttlSeconds) {

    public DnsLookupResult {
        addresses = List.copyOf(addresses);
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("ttlSeconds must be >= 0, was " + ttlSeconds);
        }
    }

    /** A result without a TTL (nothing to cache). */
    public DnsLookupResult(DnsLookupOutcome outcome, List<InetAddress> addresses, int rcode, long latencyNanos) {
        this(outcome, addresses, rcode, latencyNanos, 0);
    }

    public boolean isOk() {
        return outcome == DnsLookupOutcome.OK;
    }
}
