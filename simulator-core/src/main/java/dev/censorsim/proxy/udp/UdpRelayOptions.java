package dev.censorsim.proxy.udp;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.ClientAllowList;
import dev.censorsim.proxy.TransparentRoute;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link UdpRelay} listens, where it forwards and which policy it applies. Build with
 * {@link #forward(InetSocketAddress)}.
 *
 * @param listen         where clients send; default {@code 127.0.0.1:0} (an ephemeral loopback port)
 * @param upstream       where every client's datagrams go
 * @param policy         the live policy; a swap applies to every flow from its next datagram on
 * @param listener       receives a record per ended flow
 * @param idleTimeout    a flow with no datagram either way for this long is closed; default 60 s
 * @param allowedClients clients served; default loopback only, whatever the listen address
 * @param flowNames      names recently used by each client's TLS signalling, or {@code null} for none
 * @param maxFlows       concurrent flows (client addresses) at most; datagrams of further clients are dropped
 * @param transparentRoute transparent relay only ({@link #transparent}): where each intercepted flow goes, from the
 *                       original destination of its datagrams; {@code null} for a forward relay
 * @param capture        where {@code --pcap} writes every datagram between clients and the relay, as the clients
 *                       saw them; {@code null} for none. Owned by the caller, who closes it after the relay
 * @param loopMark       whether a flow's upstream socket towards an IPv4 loopback target binds the hop-counting
 *                       source {@code 127.67.83.h} ({@link dev.censorsim.proxy.LoopGuard}); default {@code true}.
 *                       {@code false} ({@code --no-loop-mark}) binds the target's own loopback address, so a server
 *                       admitting only {@code 127.0.0.1} still answers; arriving datagrams are still hop-checked
 */
public record UdpRelayOptions(InetSocketAddress listen, InetSocketAddress upstream, PolicyHolder policy,
                              UdpFlowListener listener, Duration idleTimeout, ClientAllowList allowedClients,
                              FlowNames flowNames, int maxFlows, TransparentRoute transparentRoute,
                              CaptureFile capture, boolean loopMark) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_FLOWS = 65_536;

    public UdpRelayOptions {
        Objects.requireNonNull(listen, "listen");
        if ((upstream == null) == (transparentRoute == null)) {
            throw new IllegalArgumentException("a relay has either a fixed upstream or a transparent route");
        }
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(allowedClients, "allowedClients");
        if (upstream != null && upstream.isUnresolved()) {
            throw new IllegalArgumentException("upstream must be resolved: " + upstream);
        }
        if (idleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("idleTimeout must be at least 1 ms, was " + idleTimeout);
        }
        if (maxFlows < 1) {
            throw new IllegalArgumentException("maxFlows must be >= 1, was " + maxFlows);
        }
    }

    /** Forward every client's datagrams to {@code upstream}, one flow per client address and port. */
    public static Builder forward(InetSocketAddress upstream) {
        return new Builder(Objects.requireNonNull(upstream, "upstream"));
    }

    /**
     * A transparent relay behind nftables TPROXY: flows are keyed by client and original destination, each goes where
     * {@code route} says, and replies leave from the original destination's address, as the client expects. The
     * listen address must be the TPROXY rule's target; needs the epoll transport.
     */
    public static Builder transparent(TransparentRoute route) {
        Builder builder = new Builder(null);
        builder.transparentRoute = Objects.requireNonNull(route, "route");
        return builder;
    }

    /** Whether this relay is transparent (no fixed upstream). */
    public boolean isTransparent() {
        return transparentRoute != null;
    }

    /** Fills in the defaults; every setter is optional. */
    public static final class Builder {
        private final InetSocketAddress upstream;
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
        private UdpFlowListener listener = UdpFlowListener.NOOP;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private ClientAllowList allowedClients = ClientAllowList.LOOPBACK;
        private FlowNames flowNames;
        private int maxFlows = DEFAULT_MAX_FLOWS;
        private TransparentRoute transparentRoute;
        private CaptureFile capture;
        private boolean loopMark = true;

        private Builder(InetSocketAddress upstream) {
            this.upstream = upstream;
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = listen;
            return this;
        }

        /** The live policy, shared with the TCP proxy when both run. */
        public Builder policy(PolicyHolder policy) {
            this.policy = policy;
            return this;
        }

        public Builder listener(UdpFlowListener listener) {
            this.listener = listener;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** CIDR blocks such as {@code 10.0.0.0/8}; replaces the loopback-only default. */
        public Builder allowedClients(List<String> cidrs) {
            this.allowedClients = ClientAllowList.parse(cidrs);
            return this;
        }

        /** Lets {@code sni}/{@code domain} rules match a flow through its client's recent TLS names. */
        public Builder flowNames(FlowNames flowNames) {
            this.flowNames = flowNames;
            return this;
        }

        /** Writes every client-side datagram to {@code capture} ({@code --pcap}); the caller closes it. */
        public Builder capture(CaptureFile capture) {
            this.capture = capture;
            return this;
        }

        public Builder maxFlows(int maxFlows) {
            this.maxFlows = maxFlows;
            return this;
        }

        /**
         * Whether flows towards loopback carry the hop count in their source address (default {@code true}); see
         * {@link UdpRelayOptions#loopMark()}.
         */
        public Builder loopMark(boolean loopMark) {
            this.loopMark = loopMark;
            return this;
        }

        public UdpRelayOptions build() {
            return new UdpRelayOptions(listen, upstream, policy, listener, idleTimeout, allowedClients, flowNames,
                    maxFlows, transparentRoute, capture, loopMark);
        }
    }
}
