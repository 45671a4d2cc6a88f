package dev.censorsim.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The result of one {@link DnsLookupClient#lookup}: the outcome, the A/AAAA addresses found (empty for other types
 * and outcomes), the response code (-1 on timeout) and the time from sending the query to reading the answer.
 */
public record DnsLookupResult(DnsLookupOutcome outcome, List<InetAddress> addresses, int rcode, long latencyNanos) {

    public DnsLookupResult {
        addresses = List.copyOf(addresses);
    }

    public boolean isOk() {
        return outcome == DnsLookupOutcome.OK;
    }
}
