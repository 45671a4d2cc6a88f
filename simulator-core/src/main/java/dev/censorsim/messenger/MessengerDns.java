package dev.censorsim.messenger;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the client resolves its names: every connection attempt looks its name up (type A) at {@code server} over UDP
 * and dials the address it got, keeping the port of the name's route (the censor's forward port, or the port asked of
 * the SOCKS5 proxy). Answers are cached for their TTL, as a stub resolver does, so a DNS rule only bites once the
 * cached answer has expired; failed lookups are not cached.
 *
 * <p>When a lookup fails (NXDOMAIN, NODATA, SERVFAIL, timeout) the client asks the {@code doh} resolver if it has
 * one, then dials the next of the {@code fallback} addresses, the "hardcoded IPs" resilience strategy; with neither
 * working, the attempt is abandoned before any TCP connect and
 * counted as {@code dns.unresolved}, and the client's retry policy decides whether to ask again.
 *
 * @param server   the DNS server to ask (an address literal; censorsim's {@code DnsServer} in a scenario)
 * @param fallback hardcoded addresses dialled in turn when a lookup fails; empty for none
 * @param timeout  how long one lookup waits for an answer
 * @param doh      a DNS-over-HTTPS resolver's name asked (through the censor, like any TLS name) when the plain lookup
 *                 fails, before the hardcoded addresses; {@code null} for none
 */
public record MessengerDns(InetSocketAddress server, List<InetAddress> fallback, Duration timeout, String doh) {

    /** Without DoH. */
    public MessengerDns(InetSocketAddress server, List<InetAddress> fallback, Duration timeout) {
        this(server, fallback, timeout, null);
    }

    /** The default lookup timeout: 2 s, as {@code dig +time=2}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    public MessengerDns {
        Objects.requireNonNull(server, "server");
        if (server.isUnresolved()) {
            throw new IllegalArgumentException("the DNS server must be an address literal, got " + server);
        }
        fallback = List.copyOf(fallback);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the lookup timeout must be > 0, was " + timeout);
        }
    }

    /** Resolve through {@code server} with no fallback and the default timeout. */
    public static MessengerDns via(InetSocketAddress server) {
        return new MessengerDns(server, List.of(), DEFAULT_TIMEOUT);
    }

    /** A copy that dials {@code addresses} in turn when a lookup fails. */
    public MessengerDns withFallback(List<InetAddress> addresses) {
        return new MessengerDns(server, addresses, timeout, doh);
    }

    /** A copy that asks the DoH resolver {@code name} when a plain lookup fails. */
    public MessengerDns withDoh(String name) {
        return new MessengerDns(server, fallback, timeout, name);
    }
}
