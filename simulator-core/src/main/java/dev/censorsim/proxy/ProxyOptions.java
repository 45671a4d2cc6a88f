package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.SocksUdpSettings;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a {@link CensorProxy} listens, where it connects and which policy it applies. Build with
 * {@link #forward(InetSocketAddress)} or {@link #socks()}.
 *
 * @param mode              port-forward or SOCKS5
 * @param listen            where to accept clients; default {@code 127.0.0.1:0} (an ephemeral loopback port)
 * @param upstream          the fixed upstream of {@link ProxyMode#FORWARD}; {@code null} for SOCKS
 * @param policy            the policy for each new flow, read once per flow
 * @param listener          receives a record per ended flow
 * @param connectTimeout    how long the upstream connect may take; default 10 s
 * @param inspectionTimeout how long the first client bytes are held for classification before a best-effort
 *                          verdict; default 5 s
 * @param allowedClients    clients served; default loopback only, whatever the listen address
 * @param ioThreads         event-loop threads; default the number of CPUs
 * @param udpAssociate      SOCKS mode: how UDP ASSOCIATE flows are censored; {@code null} (the default) refuses the
 *                          command with "command not supported"
 */
public record ProxyOptions(ProxyMode mode, InetSocketAddress listen, InetSocketAddress upstream,
                           Supplier<FlowPolicy> policy, FlowListener listener, Duration connectTimeout,
                           Duration inspectionTimeout, ClientAllowList allowedClients, int ioThreads,
                           SocksUdpSettings udpAssociate) {

    public ProxyOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(allowedClients, "allowedClients");
        if (mode == ProxyMode.FORWARD && upstream == null) {
            throw new IllegalArgumentException("FORWARD mode needs an upstream address");
        }
        if (mode == ProxyMode.SOCKS && upstream != null) {
            throw new IllegalArgumentException("SOCKS mode takes its targets from clients; do not set an upstream");
        }
        if (upstream != null && upstream.isUnresolved()) {
            throw new IllegalArgumentException("upstream must be resolved: " + upstream);
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(inspectionTimeout, "inspectionTimeout");
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
        if (udpAssociate != null && mode != ProxyMode.SOCKS) {
            throw new IllegalArgumentException("UDP ASSOCIATE is a SOCKS5 command; FORWARD mode cannot offer it");
        }
    }

    /** Port-forward every client to {@code upstream}. */
    public static Builder forward(InetSocketAddress upstream) {
        return new Builder(ProxyMode.FORWARD, Objects.requireNonNull(upstream, "upstream"));
    }

    /** A SOCKS5 proxy (CONNECT, no authentication). */
    public static Builder socks() {
        return new Builder(ProxyMode.SOCKS, null);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
    }

    /** Fills in the secure defaults; every setter is optional. */
    public static final class Builder {
        private final ProxyMode mode;
        private final InetSocketAddress upstream;
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private Supplier<FlowPolicy> policy = FlowPolicy.of(new PolicyHolder(CompiledPolicy.empty()));
        private FlowListener listener = FlowListener.NOOP;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration inspectionTimeout = Duration.ofSeconds(5);
        private ClientAllowList allowedClients = ClientAllowList.LOOPBACK;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private SocksUdpSettings udpAssociate;

        private Builder(ProxyMode mode, InetSocketAddress upstream) {
            this.mode = mode;
            this.upstream = upstream;
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = listen;
            return this;
        }

        /** The live policy: each new flow reads {@code holder.current()}. */
        public Builder policy(PolicyHolder holder) {
            this.policy = FlowPolicy.of(holder);
            return this;
        }

        /** A policy not backed by a policy file. */
        public Builder flowPolicy(Supplier<FlowPolicy> policy) {
            this.policy = policy;
            return this;
        }

        public Builder listener(FlowListener listener) {
            this.listener = listener;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder inspectionTimeout(Duration inspectionTimeout) {
            this.inspectionTimeout = inspectionTimeout;
            return this;
        }

        /** CIDR blocks such as {@code 10.0.0.0/8}; replaces the loopback-only default. */
        public Builder allowedClients(List<String> cidrs) {
            this.allowedClients = ClientAllowList.parse(cidrs);
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** SOCKS mode: accept UDP ASSOCIATE and censor its datagrams with {@code settings}. */
        public Builder udpAssociate(SocksUdpSettings settings) {
            this.udpAssociate = settings;
            return this;
        }

        public ProxyOptions build() {
            return new ProxyOptions(mode, listen, upstream, policy, listener, connectTimeout, inspectionTimeout,
                    allowedClients, ioThreads, udpAssociate);
        }
    }
}
