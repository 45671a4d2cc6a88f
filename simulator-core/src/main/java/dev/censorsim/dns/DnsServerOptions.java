package dev.censorsim.dns;

import dev.censorsim.policy.Cidr;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to run a {@link DnsServer}: where to listen (UDP and TCP on the same port, loopback by default), which zones to
 * serve, the policy whose DNS rules edit the answers, and the optional upstream.
 */
public record DnsServerOptions(InetSocketAddress listen, List<Zone> zones, PolicyHolder policy,
                               InetSocketAddress upstream, Duration upstreamTimeout, int maxUdpPayload,
                               Duration tcpIdleTimeout, Consumer<DnsQueryEvent> queryListener,
                               List<Cidr> allowClients, RateLimit rateLimit) {

    /**
     * The UDP response-rate limit ({@link ResponseRateLimiter}).
     *
     * @param responsesPerSecond per client /24 or /56, with one second of burst
     * @param drop               drop responses over the rate instead of sending them truncated (TC=1)
     * @param includeLoopback    limit loopback clients too (off by default: tests and local tools query hard)
     */
    public record RateLimit(int responsesPerSecond, boolean drop, boolean includeLoopback) {
        public RateLimit {
            if (responsesPerSecond < 1) {
                throw new IllegalArgumentException("the response rate limit must be at least 1/s, got "
                        + responsesPerSecond);
            }
        }
    }

    /** The largest EDNS UDP payload we accept to send: 1232 bytes avoids IP fragmentation (DNS flag day 2020). */
    public static final int DEFAULT_MAX_UDP_PAYLOAD = 1232;

    public DnsServerOptions {
        Objects.requireNonNull(listen, "listen");
        zones = List.copyOf(zones);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
        Objects.requireNonNull(tcpIdleTimeout, "tcpIdleTimeout");
        if (maxUdpPayload < 512 || maxUdpPayload > 65535) {
            throw new IllegalArgumentException("maxUdpPayload must be within 512..65535, got " + maxUdpPayload);
        }
        if (upstream != null && upstream.isUnresolved()) {
            throw new IllegalArgumentException("the upstream must be an address literal, got " + upstream);
        }
        allowClients = allowClients == null ? List.of() : List.copyOf(allowClients);
        // A forwarder that answers anyone is an open resolver: a reflection amplifier for the whole Internet. On
        // loopback only local processes reach it; anywhere else the clients must be named.
        if (upstream != null && allowClients.isEmpty() && !listen.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing to forward to " + upstream.getAddress().getHostAddress() + ":"
                    + upstream.getPort() + " for any client while listening on "
                    + listen.getAddress().getHostAddress() + ": name the clients with --allow-client CIDR "
                    + "(0.0.0.0/0 and ::/0 for everyone, at your own risk)");
        }
    }

    /** Whether a query from {@code client} is served at all (otherwise it is answered REFUSED). */
    public boolean allows(InetAddress client) {
        if (allowClients.isEmpty()) {
            return true;
        }
        for (Cidr cidr : allowClients) {
            if (cidr.contains(client)) {
                return true;
            }
        }
        return false;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: 127.0.0.1 on an ephemeral port, no zones, no rules, no upstream, 1232-byte UDP, 10 s TCP idle. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private final List<Zone> zones = new ArrayList<>();
        private PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
        private InetSocketAddress upstream;
        private Duration upstreamTimeout = Duration.ofSeconds(2);
        private int maxUdpPayload = DEFAULT_MAX_UDP_PAYLOAD;
        private Duration tcpIdleTimeout = Duration.ofSeconds(10);
        private Consumer<DnsQueryEvent> queryListener;
        private final List<Cidr> allowClients = new ArrayList<>();
        private RateLimit rateLimit;

        public Builder listen(InetSocketAddress listen) {
            this.listen = listen;
            return this;
        }

        public Builder zone(Zone zone) {
            zones.add(Objects.requireNonNull(zone, "zone"));
            return this;
        }

        /** A fixed policy; use {@link #policy(PolicyHolder)} to swap rules by phase. */
        public Builder policy(CompiledPolicy policy) {
            this.policy = new PolicyHolder(policy);
            return this;
        }

        public Builder policy(PolicyHolder holder) {
            this.policy = holder;
            return this;
        }

        /** Forward names outside every zone to this server (and only to it). Off by default. */
        public Builder upstream(InetSocketAddress upstream) {
            this.upstream = upstream;
            return this;
        }

        public Builder upstreamTimeout(Duration timeout) {
            this.upstreamTimeout = timeout;
            return this;
        }

        public Builder maxUdpPayload(int bytes) {
            this.maxUdpPayload = bytes;
            return this;
        }

        public Builder tcpIdleTimeout(Duration timeout) {
            this.tcpIdleTimeout = timeout;
            return this;
        }

        /** Called once per query on an event loop; keep it short. */
        public Builder queryListener(Consumer<DnsQueryEvent> listener) {
            this.queryListener = listener;
            return this;
        }

        /**
         * Serve only clients in {@code cidr} (repeatable); others get REFUSED. Empty (the default) serves everyone,
         * except that forwarding on a non-loopback address requires a list.
         */
        public Builder allowClient(Cidr cidr) {
            allowClients.add(Objects.requireNonNull(cidr, "cidr"));
            return this;
        }

        /** Limit UDP responses per client network; {@code null} (the default) for no limit. */
        public Builder rateLimit(RateLimit limit) {
            this.rateLimit = limit;
            return this;
        }

        public DnsServerOptions build() {
            return new DnsServerOptions(listen, zones, policy, upstream, upstreamTimeout, maxUdpPayload,
                    tcpIdleTimeout, queryListener, allowClients, rateLimit);
        }
    }
}
