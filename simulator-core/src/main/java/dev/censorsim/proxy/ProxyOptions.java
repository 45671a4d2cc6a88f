package dev.censorsim.proxy;

import dev.censorsim.capture.CaptureFile;
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
 * @param policy            the policy for each new flow, read once per flow, and again when live flows are
 *                          re-evaluated
 * @param listener          receives a record per ended flow
 * @param connectTimeout    how long the upstream connect may take; default 10 s
 * @param inspectionTimeout how long the first client bytes are held for classification before a best-effort
 *                          verdict; default 5 s
 * @param allowedClients    clients served; default loopback only, whatever the listen address
 * @param ioThreads         event-loop threads; default the number of CPUs
 * @param swapSource        the holder whose {@link PolicyHolder#swap swaps} re-evaluate live flows; set by
 *                          {@link Builder#policy(PolicyHolder)}, {@code null} for a plain {@link FlowPolicy} source
 * @param reevaluateOnSwap  {@code true} (default): a swap re-evaluates every live, classified flow against the new
 *                          policy with its original classification, as a box that re-reads its rules; {@code false}:
 *                          a flow keeps the verdict it got, as a box that keeps per-flow state, and only new flows
 *                          see the new policy
 * @param idleTimeout       a flow a rule acted on (throttled, delayed, black-holed, frozen, ...) that relays no byte
 *                          for this long is closed, with a FIN to both sides, so censored flows cannot pile up;
 *                          default 5 min, {@link Duration#ZERO} for never
 * @param passIdleTimeout   the same for flows no rule acted on (no match, or a {@code pass} rule); default
 *                          {@link Duration#ZERO}, never, since an idle chat connection is normal
 * @param resolver          resolves SOCKS5 domain targets; default {@link NameResolver#jvm()}
 * @param udpAssociate      SOCKS mode: how UDP ASSOCIATE flows are censored; {@code null} (the default) refuses the
 *                          command with "command not supported"
 * @param handshakeTimeout  how long a negotiating front end (SOCKS5 greeting and request) waits for the client's
 *                          complete request before closing the connection; default 10 s
 * @param maxFlows          most client connections open at once (each relayed flow holds two descriptors); a client
 *                          beyond it is reset before any byte is read, with a rate-limited warning; default
 *                          {@link #defaultMaxFlows()}
 * @param allowLoopbackTargets SOCKS mode: whether a client that is not itself on loopback may CONNECT to a loopback
 *                          (or wildcard) target; default {@code false}, so admitting a remote network with
 *                          {@code allowedClients} does not expose services bound only to loopback
 * @param httpProxy         HTTP mode: proxy credentials; {@link HttpProxySettings#OPEN} (the default) asks for none
 * @param transparentRoute  {@link ProxyMode#TRANSPARENT} only: where each intercepted flow goes, from its original
 *                          destination; {@code null} in the other modes
 * @param capture           where {@code --pcap} writes the client side of every flow; {@code null} (the default) for
 *                          no capture. Owned by the caller, who closes it after the proxy
 * @param backlog           the listener's accept queue ({@code listen(2)} backlog): connections the kernel completes
 *                          before the proxy accepts them; a burst beyond it is dropped by the kernel (SYNs retried
 *                          by the client a second later, or refused). The kernel caps it at
 *                          {@code net.core.somaxconn}; default {@link #DEFAULT_BACKLOG}
 * @param loopMark          whether an upstream connection towards an IPv4 loopback target binds the hop-counting
 *                          source {@code 127.67.83.h} ({@link LoopGuard}), so a loop through other censorsim
 *                          processes is stopped; default {@code true}. {@code false} ({@code --no-loop-mark}) binds
 *                          as a plain client would, so a backend admitting only {@code 127.0.0.1} still accepts it;
 *                          arrivals are still checked for the hop count
 */
public record ProxyOptions(ProxyMode mode, InetSocketAddress listen, InetSocketAddress upstream,
                           Supplier<FlowPolicy> policy, FlowListener listener, Duration connectTimeout,
                           Duration inspectionTimeout, ClientAllowList allowedClients, int ioThreads,
                           PolicyHolder swapSource, boolean reevaluateOnSwap, Duration idleTimeout,
                           Duration passIdleTimeout, NameResolver resolver,
                           SocksUdpSettings udpAssociate, Duration handshakeTimeout, int maxFlows,
                           boolean allowLoopbackTargets, HttpProxySettings httpProxy,
                           TransparentRoute transparentRoute, CaptureFile capture, int backlog,
                           boolean loopMark) {

    /** Default {@link #idleTimeout()}: long enough for any retry a client makes, short enough not to pile up. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Default {@link #handshakeTimeout()}: a person typing a request by hand is the slowest honest client. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Default {@link #backlog()}: Linux's own default {@code net.core.somaxconn} since 5.4, which holds a burst of a
     * few thousand connects (measured: at 1,024 a 10 k connect burst overflowed the queue ~88,000 times).
     */
    public static final int DEFAULT_BACKLOG = 4096;

    public ProxyOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(allowedClients, "allowedClients");
        if (mode == ProxyMode.FORWARD && upstream == null) {
            throw new IllegalArgumentException("FORWARD mode needs an upstream address");
        }
        if (mode != ProxyMode.FORWARD && upstream != null) {
            throw new IllegalArgumentException(mode + " mode takes its targets from clients; do not set an upstream");
        }
        if ((mode == ProxyMode.TRANSPARENT) != (transparentRoute != null)) {
            throw new IllegalArgumentException("a transparent route is needed by, and only by, TRANSPARENT mode");
        }
        Objects.requireNonNull(httpProxy, "httpProxy");
        if (upstream != null && upstream.isUnresolved()) {
            throw new IllegalArgumentException("upstream must be resolved: " + upstream);
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(inspectionTimeout, "inspectionTimeout");
        requirePositive(handshakeTimeout, "handshakeTimeout");
        if (maxFlows < 1) {
            throw new IllegalArgumentException("maxFlows must be >= 1, was " + maxFlows);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be >= 1, was " + backlog);
        }
        requireNotNegative(idleTimeout, "idleTimeout");
        requireNotNegative(passIdleTimeout, "passIdleTimeout");
        Objects.requireNonNull(resolver, "resolver");
        if (udpAssociate != null && mode != ProxyMode.SOCKS) {
            throw new IllegalArgumentException("UDP ASSOCIATE is a SOCKS5 command; FORWARD mode cannot offer it");
        }
    }

    /** Descriptors kept back from the flow cap for listeners, jars, the DNS and control servers, logs. */
    private static final long RESERVED_DESCRIPTORS = 128;

    /**
     * The default {@link #maxFlows()}: half of the descriptors the process may open, less a reserve, so the cap is
     * reached before the descriptor limit and new clients are refused cleanly rather than failing accepts (at least
     * 16; 10,000 where the limit cannot be read).
     */
    public static int defaultMaxFlows() {
        long limit = -1;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            limit = unix.getMaxFileDescriptorCount();
        }
        if (limit <= 0) {
            return 10_000;
        }
        return (int) Math.max(16, Math.min(Integer.MAX_VALUE, (limit - RESERVED_DESCRIPTORS) / 2));
    }

    /** Port-forward every client to {@code upstream}. */
    public static Builder forward(InetSocketAddress upstream) {
        return new Builder(ProxyMode.FORWARD, Objects.requireNonNull(upstream, "upstream"));
    }

    /** A SOCKS5 proxy (CONNECT, no authentication). */
    public static Builder socks() {
        return new Builder(ProxyMode.SOCKS, null);
    }

    /** An HTTP/1.1 proxy: CONNECT tunnels, and plain-HTTP requests with an absolute URI. */
    public static Builder http() {
        return new Builder(ProxyMode.HTTP, null);
    }

    /**
     * A transparent proxy behind nftables TPROXY: each intercepted flow goes where {@code route} says for its
     * original destination. The listen address must be the TPROXY rule's target.
     */
    public static Builder transparent(TransparentRoute route) {
        Builder builder = new Builder(ProxyMode.TRANSPARENT, null);
        builder.transparentRoute = Objects.requireNonNull(route, "route");
        return builder;
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
    }

    private static void requireNotNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0 (0 for never), was " + d);
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
        private PolicyHolder swapSource;
        private boolean reevaluateOnSwap = true;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration passIdleTimeout = Duration.ZERO;
        private NameResolver resolver = NameResolver.jvm();
        private SocksUdpSettings udpAssociate;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private int maxFlows = defaultMaxFlows();
        private boolean allowLoopbackTargets;
        private HttpProxySettings httpProxy = HttpProxySettings.OPEN;
        private TransparentRoute transparentRoute;
        private CaptureFile capture;
        private int backlog = DEFAULT_BACKLOG;
        private boolean loopMark = true;

        private Builder(ProxyMode mode, InetSocketAddress upstream) {
            this.mode = mode;
            this.upstream = upstream;
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = listen;
            return this;
        }

        /**
         * The live policy: each new flow reads {@code holder.current()}, and each {@link PolicyHolder#swap}
         * re-evaluates live flows unless {@link #reevaluateOnSwap(boolean)} turned that off.
         */
        public Builder policy(PolicyHolder holder) {
            this.policy = FlowPolicy.of(holder);
            this.swapSource = holder;
            return this;
        }

        /**
         * A policy not backed by a policy file. Live flows are re-evaluated only when
         * {@link CensorProxy#reevaluate()} is called; two calls of {@code policy.get()} that return equal objects
         * count as no change.
         */
        public Builder flowPolicy(Supplier<FlowPolicy> policy) {
            this.policy = policy;
            this.swapSource = null;
            return this;
        }

        /**
         * Wraps the policy source set so far, e.g. to observe each flow's classification, and keeps the swap
         * re-evaluation of a {@link #policy(PolicyHolder)} source (which {@link #flowPolicy} would drop).
         */
        public Builder decoratePolicy(java.util.function.UnaryOperator<Supplier<FlowPolicy>> decorator) {
            this.policy = Objects.requireNonNull(decorator.apply(policy), "decorated policy");
            return this;
        }

        public Builder reevaluateOnSwap(boolean reevaluateOnSwap) {
            this.reevaluateOnSwap = reevaluateOnSwap;
            return this;
        }

        /** Idle timeout of flows a rule acted on; {@link Duration#ZERO} for never. */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Idle timeout of flows no rule acted on; {@link Duration#ZERO} (the default) for never. */
        public Builder passIdleTimeout(Duration passIdleTimeout) {
            this.passIdleTimeout = passIdleTimeout;
            return this;
        }

        /** How SOCKS5 domain targets are resolved, e.g. {@link NameResolver#staticMap} for synthetic names. */
        public Builder resolver(NameResolver resolver) {
            this.resolver = resolver;
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

        /** Writes the client side of every flow to {@code capture} ({@code --pcap}); the caller closes it. */
        public Builder capture(CaptureFile capture) {
            this.capture = capture;
            return this;
        }

        /** The capture set so far, or {@code null}: for a SOCKS UDP association that writes to the same file. */
        public CaptureFile capture() {
            return capture;
        }

        /** SOCKS mode: accept UDP ASSOCIATE and censor its datagrams with {@code settings}. */
        public Builder udpAssociate(SocksUdpSettings settings) {
            this.udpAssociate = settings;
            return this;
        }

        /** How long a SOCKS client may take to send its complete request; default 10 s. */
        public Builder handshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
            return this;
        }

        /** Most client connections open at once; beyond it new clients are reset. */
        public Builder maxFlows(int maxFlows) {
            this.maxFlows = maxFlows;
            return this;
        }

        /** SOCKS mode: let remote clients reach loopback targets (off by default). */
        public Builder allowLoopbackTargets(boolean allow) {
            this.allowLoopbackTargets = allow;
            return this;
        }

        /** The listener's accept queue; the kernel caps it at {@code net.core.somaxconn}. */
        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /**
         * Whether loopback upstream connections carry the hop count in their source address (default {@code true});
         * see {@link ProxyOptions#loopMark()}.
         */
        public Builder loopMark(boolean loopMark) {
            this.loopMark = loopMark;
            return this;
        }

        /** HTTP mode: require these proxy credentials (407 without them). */
        public Builder httpProxy(HttpProxySettings settings) {
            this.httpProxy = settings;
            return this;
        }

        public ProxyOptions build() {
            return new ProxyOptions(mode, listen, upstream, policy, listener, connectTimeout, inspectionTimeout,
                    allowedClients, ioThreads, swapSource, reevaluateOnSwap, idleTimeout, passIdleTimeout, resolver,
                    udpAssociate, handshakeTimeout, maxFlows, allowLoopbackTargets, httpProxy, transparentRoute,
                    capture, backlog, loopMark);
        }
    }
}
