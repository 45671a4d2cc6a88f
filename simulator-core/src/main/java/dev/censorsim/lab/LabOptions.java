package dev.censorsim.lab;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.control.RouteHandler;
import dev.censorsim.dns.DnsQueryEvent;
import dev.censorsim.dns.Zone;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpFlowRecord;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What a {@link Lab} runs. Every front end is optional and off unless given; all listen where they are told
 * (loopback in every default) and serve loopback clients only unless {@link #allowedClients} widens that.
 *
 * <pre>{@code
 * Lab lab = Lab.start(new LabOptions()
 *         .policy(PolicyLoader.load(file), file.toString(), Files.readString(file))
 *         .socks(LabOptions.loopback(1080)).httpProxy(LabOptions.loopback(3128))
 *         .dns(LabOptions.loopback(5353)).zone(ZoneFileLoader.load(zoneFile))
 *         .api(LabOptions.loopback(8474)));
 * }</pre>
 */
public final class LabOptions {

    /** A named port-forward: TCP through a {@code CensorProxy}, or UDP through a {@code UdpRelay}. */
    public record Forward(String name, InetSocketAddress listen, InetSocketAddress upstream, boolean udp) {
        public Forward {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(upstream, "upstream");
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("forward name '" + name + "': letters, digits, '_', '.', '-'");
            }
        }
    }

    CompiledPolicy policy = CompiledPolicy.empty();
    String policySource = "none";
    String policyText;
    final Map<String, CompiledPolicy> phases = new LinkedHashMap<>();
    InetSocketAddress socks;
    boolean socksUdp = true;
    InetSocketAddress httpProxy;
    String httpProxyCredentials;
    final List<Forward> forwards = new ArrayList<>();
    InetSocketAddress dns;
    final List<Zone> zones = new ArrayList<>();
    InetSocketAddress dnsUpstream;
    InetSocketAddress api;
    String apiToken;
    final List<Function<Lab, ? extends RouteHandler>> routes = new ArrayList<>();
    List<String> allowedClients = List.of("127.0.0.0/8", "::1/128");
    Duration idleTimeout = ProxyOptions.DEFAULT_IDLE_TIMEOUT;
    Duration passIdleTimeout = Duration.ZERO;
    Duration udpIdleTimeout = UdpRelayOptions.DEFAULT_IDLE_TIMEOUT;
    Duration apiRequestTimeout = Duration.ofSeconds(30);
    int ioThreads = Math.min(2, Runtime.getRuntime().availableProcessors());
    int recentFlows = 256;
    BiConsumer<String, FlowRecord> flowListener = (front, record) -> { };
    BiConsumer<String, UdpFlowRecord> udpFlowListener = (front, record) -> { };
    Consumer<DnsQueryEvent> dnsListener = event -> { };
    String version = "dev";
    CaptureFile capture;
    boolean loopMark = true;

    /** {@code 127.0.0.1:port}; port 0 for an ephemeral one. */
    public static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /**
     * The policy in force at start.
     *
     * @param source where it came from, for the API and logs (a file name)
     * @param text   its text, served by {@code GET /censorsim/policy}, or {@code null}
     */
    public LabOptions policy(CompiledPolicy policy, String source, String text) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.policySource = Objects.requireNonNull(source, "source");
        this.policyText = text;
        return this;
    }

    /** A named policy that {@code POST /censorsim/phase/NAME} and {@link Lab#phase} switch to. */
    public LabOptions phase(String name, CompiledPolicy policy) {
        phases.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /** A SOCKS5 front end (CONNECT, and UDP ASSOCIATE unless {@link #socksUdp(boolean)} turns it off). */
    public LabOptions socks(InetSocketAddress listen) {
        this.socks = listen;
        return this;
    }

    public LabOptions socksUdp(boolean enabled) {
        this.socksUdp = enabled;
        return this;
    }

    /** An HTTP/1.1 proxy front end (CONNECT and absolute-URI requests). */
    public LabOptions httpProxy(InetSocketAddress listen) {
        this.httpProxy = listen;
        return this;
    }

    /** {@code user:password} the HTTP proxy requires (407 without), or {@code null} for none. */
    public LabOptions httpProxyCredentials(String credentials) {
        this.httpProxyCredentials = credentials;
        return this;
    }

    public LabOptions forward(Forward forward) {
        forwards.add(Objects.requireNonNull(forward, "forward"));
        return this;
    }

    /** The DNS server (UDP and TCP) serving the {@link #zone zones} with the policy's DNS rules. */
    public LabOptions dns(InetSocketAddress listen) {
        this.dns = listen;
        return this;
    }

    /**
     * A zone: served by the DNS server if one runs, and in every case consulted first when the SOCKS and HTTP
     * proxies resolve a target name (the JVM's resolver only for names the zones have no address for).
     */
    public LabOptions zone(Zone zone) {
        zones.add(Objects.requireNonNull(zone, "zone"));
        return this;
    }

    /** Where the DNS server forwards names outside its zones; off (REFUSED) by default. */
    public LabOptions dnsUpstream(InetSocketAddress upstream) {
        this.dnsUpstream = upstream;
        return this;
    }

    /** The control API's address; off unless given. */
    public LabOptions api(InetSocketAddress listen) {
        this.api = listen;
        return this;
    }

    /** Bearer token the API requires; mandatory for a non-loopback {@link #api}. */
    public LabOptions apiToken(String token) {
        this.apiToken = token;
        return this;
    }

    /** Longest an API request waits for its answer (then 503); default 30 s. */
    public LabOptions apiRequestTimeout(Duration timeout) {
        this.apiRequestTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /**
     * Extra route families for the control API, asked in order after the native routes; each is made with the
     * started lab (its policy holder, addresses, metrics), e.g. {@code routes(lab -> new ToxiproxyApi(...))}. A
     * handler that is {@link AutoCloseable} is closed when the lab closes, after the API stopped.
     */
    public LabOptions routes(Function<Lab, ? extends RouteHandler> factory) {
        routes.add(Objects.requireNonNull(factory, "factory"));
        return this;
    }

    /** Client networks served (CIDR); default loopback only. */
    public LabOptions allowedClients(List<String> cidrs) {
        this.allowedClients = List.copyOf(cidrs);
        return this;
    }

    /**
     * Whether the lab's front ends mark upstream connections towards IPv4 loopback with a hop count in their source
     * address ({@code 127.67.83.h}), which stops a loop through other censorsim processes; default {@code true}.
     * {@code false} ({@code --no-loop-mark}) connects from the target's own loopback address, for backends that
     * admit only {@code 127.0.0.1}; arrivals are still hop-checked. See {@code ProxyOptions.loopMark()}.
     */
    public LabOptions loopMark(boolean loopMark) {
        this.loopMark = loopMark;
        return this;
    }

    public LabOptions idleTimeout(Duration idleTimeout) {
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        return this;
    }

    public LabOptions passIdleTimeout(Duration passIdleTimeout) {
        this.passIdleTimeout = Objects.requireNonNull(passIdleTimeout, "passIdleTimeout");
        return this;
    }

    public LabOptions udpIdleTimeout(Duration udpIdleTimeout) {
        this.udpIdleTimeout = Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
        return this;
    }

    /** Event-loop threads per front end; default min(2, CPUs). */
    public LabOptions ioThreads(int ioThreads) {
        this.ioThreads = ioThreads;
        return this;
    }

    /** How many ended flows {@code GET /censorsim/flows} keeps; default 256. */
    public LabOptions recentFlows(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("recentFlows must be >= 0");
        }
        this.recentFlows = count;
        return this;
    }

    /** Told of every ended TCP flow with its front end's name, on an event loop: must not block. */
    public LabOptions flowListener(BiConsumer<String, FlowRecord> listener) {
        this.flowListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Told of every ended UDP flow with its front end's name, on an event loop: must not block. */
    public LabOptions udpFlowListener(BiConsumer<String, UdpFlowRecord> listener) {
        this.udpFlowListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Told of every DNS query answered, on an event loop: must not block. */
    public LabOptions dnsListener(Consumer<DnsQueryEvent> listener) {
        this.dnsListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Writes the client side of every flow of every front end (SOCKS5 CONNECT and UDP ASSOCIATE, HTTP proxy,
     * forwards, Toxiproxy proxies) to {@code capture}, one pcap; {@code null} (the default) for none. The caller
     * closes it after the lab, so each flow's last packets (its FIN or RST) are in the file.
     */
    public LabOptions capture(CaptureFile capture) {
        this.capture = capture;
        return this;
    }

    /** What {@code GET /version} answers when no route handler does. */
    public LabOptions version(String version) {
        this.version = Objects.requireNonNull(version, "version");
        return this;
    }
}
