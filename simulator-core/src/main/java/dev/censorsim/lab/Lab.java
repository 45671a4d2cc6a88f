package dev.censorsim.lab;

import dev.censorsim.control.Censor;
import dev.censorsim.control.CensorEvents;
import dev.censorsim.control.CensorMetrics;
import dev.censorsim.control.ControlServer;
import dev.censorsim.control.FlowView;
import dev.censorsim.control.Json;
import dev.censorsim.control.NativeRoutes;
import dev.censorsim.control.RouteHandler;
import dev.censorsim.control.toxiproxy.ToxiproxyApi;
import dev.censorsim.dns.DnsQueryEvent;
import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.dns.Zone;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.FlowListener;
import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.HttpProxySettings;
import dev.censorsim.proxy.LiveFlow;
import dev.censorsim.proxy.NameResolver;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.FlowNames;
import dev.censorsim.proxy.udp.SocksUdpSettings;
import dev.censorsim.proxy.udp.UdpFlowListener;
import dev.censorsim.proxy.udp.UdpFlowRecord;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A censor to put a real app under: every front end (SOCKS5 with UDP ASSOCIATE, HTTP CONNECT proxy, named TCP and
 * UDP port-forwards, DNS) on one {@link PolicyHolder}, steered live through the control API, counted in
 * Prometheus metrics, and reported flow by flow. {@code censorsim serve} and the JUnit 5 extension both run one.
 *
 * <p>A policy change ({@link #apply}, {@link #applyPolicy}, {@link #phase}) is one atomic swap of the holder: new
 * flows see the new policy at once, live TCP flows are re-evaluated on their event loops, UDP flows from their next
 * datagram, DNS from the next query. Policy changes are serialised by this object's lock, so the swap counter, the
 * recorded source and the event stream agree on their order.
 */
public final class Lab implements Censor, AutoCloseable {

    private static final String FLOWS_HELP = "TCP flows ended, by front end, rule (empty: none) and action.";
    private static final String BYTES_HELP = "Bytes the censor received from flows that ended, by direction.";

    private final LabOptions options;
    private final PolicyHolder holder;
    private final CensorMetrics metrics = new CensorMetrics();
    private final CensorEvents events = new CensorEvents();
    private final ArrayDeque<FlowView> recent = new ArrayDeque<>();
    private final Map<String, CensorProxy> tcpFronts = new LinkedHashMap<>();
    private final Map<String, UdpRelay> udpFronts = new LinkedHashMap<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    /** Front ends started beside the lab ({@link #attach}); read by the API's thread, written by the caller's. */
    private final Map<String, Supplier<CompletableFuture<List<LiveFlow>>>> attached = new ConcurrentHashMap<>();
    private DnsServer dnsServer;
    private ControlServer controlServer;
    private ToxiproxyApi toxiproxy;
    private String policySource;
    private String policyText;
    private String currentPhase;

    private Lab(LabOptions options) {
        this.options = options;
        this.holder = new PolicyHolder(options.policy);
        this.policySource = options.policySource;
        this.policyText = options.policyText;
    }

    /**
     * Starts every front end the options name, then the API. On any failure, what had started is stopped again.
     *
     * @throws IOException              when a listener cannot bind
     * @throws IllegalArgumentException for inconsistent options (a non-loopback API without a token, say)
     */
    public static Lab start(LabOptions options) throws IOException {
        Lab lab = new Lab(options);
        try {
            lab.startAll();
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void startAll() throws IOException {
        metrics.declare("censorsim_policy_swaps_total", "Policy swaps since start (API, phase, reload).");
        NameResolver resolver = zoneResolver(options.zones).orElse(NameResolver.jvm());
        FlowNames names = new FlowNames();
        if (options.socks != null) {
            ProxyOptions.Builder socks = proxyDefaults(ProxyOptions.socks(), "socks", options.socks)
                    .resolver(resolver);
            if (options.socksUdp) {
                socks.decoratePolicy(names::recording)
                        .udpAssociate(new SocksUdpSettings(holder, udpListener("socks-udp"), options.udpIdleTimeout,
                                names, options.capture));
            }
            startTcp("socks", socks.build());
        }
        if (options.httpProxy != null) {
            startTcp("http", proxyDefaults(ProxyOptions.http(), "http", options.httpProxy).resolver(resolver)
                    .httpProxy(new HttpProxySettings(options.httpProxyCredentials)).build());
        }
        for (LabOptions.Forward forward : options.forwards) {
            if (tcpFronts.containsKey(forward.name()) || udpFronts.containsKey(forward.name())) {
                throw new IllegalArgumentException("two front ends named '" + forward.name() + "'");
            }
            if (forward.udp()) {
                UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(forward.upstream())
                        .listen(forward.listen()).policy(holder).allowedClients(options.allowedClients)
                        .idleTimeout(options.udpIdleTimeout).flowNames(names).capture(options.capture)
                        .loopMark(options.loopMark).listener(udpListener(forward.name())).build());
                udpFronts.put(forward.name(), relay);
                started.add(relay);
                metrics.gauge("censorsim_active_udp_flows", "UDP flows open now, by front end.",
                        relay::liveFlows, "front", forward.name());
            } else if (options.api != null) {
                // With an API, a TCP forward is also a Toxiproxy proxy: clients see it in GET /proxies and add
                // toxics to it, chained after the lab's own rules (register follows every lab policy swap).
                toxiproxy().register(forward.name(), forward.listen(), forward.upstream(), holder);
            } else {
                startTcp(forward.name(), proxyDefaults(ProxyOptions.forward(forward.upstream()), forward.name(),
                        forward.listen()).build());
            }
        }
        if (options.dns != null) {
            DnsServerOptions.Builder dns = DnsServerOptions.builder().listen(options.dns).policy(holder)
                    .upstream(options.dnsUpstream).queryListener(this::dnsAnswered);
            options.zones.forEach(dns::zone);
            dnsServer = DnsServer.start(dns.build());
            started.add(dnsServer);
        }
        if (options.api != null) {
            ControlServer.Builder api = ControlServer.builder().listen(options.api).token(options.apiToken)
                    .events(events).requestTimeout(options.apiRequestTimeout).version(options.version)
                    .handler(new NativeRoutes(this)).handler(toxiproxy());
            for (var factory : options.routes) {
                RouteHandler handler = factory.apply(this);
                api.handler(handler);
                if (handler instanceof AutoCloseable closeable) {
                    // A route family that owns listeners (Toxiproxy's proxies) stops with the lab, after the API.
                    started.add(closeable);
                }
            }
            controlServer = api.start();
            started.add(controlServer);
        }
    }

    /**
     * Toxiproxy's API over this lab (created with the first use): its proxies serve the lab's allowed clients, log
     * flows like the other front ends under the proxy's name, and keep no idle timeout (a Toxiproxy {@code timeout}
     * toxic of 0 holds a connection forever). It stops with the lab.
     */
    private ToxiproxyApi toxiproxy() {
        if (toxiproxy == null) {
            toxiproxy = new ToxiproxyApi((name, b) -> b.allowedClients(options.allowedClients)
                    .passIdleTimeout(options.passIdleTimeout).capture(options.capture).loopMark(options.loopMark)
                    .listener(tcpListener(name)));
            started.add(toxiproxy);
        }
        return toxiproxy;
    }

    private ProxyOptions.Builder proxyDefaults(ProxyOptions.Builder builder, String front, InetSocketAddress listen) {
        return builder.listen(listen).policy(holder).allowedClients(options.allowedClients)
                .idleTimeout(options.idleTimeout).passIdleTimeout(options.passIdleTimeout)
                .ioThreads(options.ioThreads).capture(options.capture).loopMark(options.loopMark)
                .listener(tcpListener(front));
    }

    private void startTcp(String front, ProxyOptions proxyOptions) throws IOException {
        CensorProxy proxy = CensorProxy.start(proxyOptions);
        tcpFronts.put(front, proxy);
        started.add(proxy);
        metrics.gauge("censorsim_active_flows", "TCP flows relaying now, by front end.", proxy::liveFlows,
                "front", front);
    }

    /**
     * Resolves names from the zones' A and AAAA records, in the order the zones were given; fails a name no zone has
     * an address for, so {@code orElse} moves on to the next resolver.
     */
    static NameResolver zoneResolver(List<Zone> zones) {
        List<Zone> copy = List.copyOf(zones);
        return (host, port) -> {
            for (Zone zone : copy) {
                List<InetAddress> addresses = zone.addresses(host);
                if (!addresses.isEmpty()) {
                    return CompletableFuture.completedFuture(new InetSocketAddress(addresses.get(0), port));
                }
            }
            return CompletableFuture.failedFuture(new java.net.UnknownHostException(host + ": not in the zones"));
        };
    }

    private FlowListener tcpListener(String front) {
        return record -> {
            String action = actionName(record.action());
            String rule = record.ruleName() == null ? "" : record.ruleName();
            metrics.add("censorsim_flows_total", FLOWS_HELP, 1, "front", front, "rule", rule, "action", action);
            metrics.add("censorsim_flow_bytes_total", BYTES_HELP, record.bytesUp(), "front", front, "rule", rule,
                    "action", action, "direction", "up");
            metrics.add("censorsim_flow_bytes_total", BYTES_HELP, record.bytesDown(), "front", front, "rule", rule,
                    "action", action, "direction", "down");
            metrics.add("censorsim_flow_ends_total", "TCP flows ended, by front end and how they ended.", 1,
                    "front", front, "end", record.end().wireName());
            ended(FlowView.ended(front, record));
            options.flowListener.accept(front, record);
        };
    }

    private UdpFlowListener udpListener(String front) {
        return record -> {
            String action = actionName(record.action());
            String rule = record.ruleName() == null ? "" : record.ruleName();
            String help = "UDP datagrams of ended flows, by front end, rule, action, direction and verdict.";
            long passedUp = record.packetsUp() - record.droppedUp();
            long passedDown = record.packetsDown() - record.droppedDown();
            metrics.add("censorsim_udp_datagrams_total", help, passedUp, "front", front, "rule", rule, "action",
                    action, "direction", "up", "verdict", "pass");
            metrics.add("censorsim_udp_datagrams_total", help, record.droppedUp(), "front", front, "rule", rule,
                    "action", action, "direction", "up", "verdict", "drop");
            metrics.add("censorsim_udp_datagrams_total", help, passedDown, "front", front, "rule", rule, "action",
                    action, "direction", "down", "verdict", "pass");
            metrics.add("censorsim_udp_datagrams_total", help, record.droppedDown(), "front", front, "rule", rule,
                    "action", action, "direction", "down", "verdict", "drop");
            metrics.add("censorsim_udp_flows_total", "UDP flows ended, by front end, rule and action.", 1,
                    "front", front, "rule", rule, "action", action);
            ended(FlowView.ended(front, record));
            options.udpFlowListener.accept(front, record);
        };
    }

    private void dnsAnswered(DnsQueryEvent event) {
        metrics.add("censorsim_dns_answers_total", "DNS queries answered, by RCODE (DROPPED: no answer sent).", 1,
                "rcode", DnsQueryEvent.rcodeName(event.rcode()));
        if (event.rule() != null) {
            metrics.add("censorsim_dns_rule_hits_total", "DNS queries a DNS rule decided, by rule.", 1,
                    "rule", event.rule());
        }
        options.dnsListener.accept(event);
    }

    /** The stable name of an action from its description: {@code throttle 100kbit/s up} is {@code throttle}. */
    static String actionName(String description) {
        int space = description.indexOf(' ');
        return space < 0 ? description : description.substring(0, space);
    }

    private void ended(FlowView view) {
        if (options.recentFlows > 0) {
            synchronized (recent) {
                if (recent.size() == options.recentFlows) {
                    recent.removeFirst();
                }
                recent.addLast(view);
            }
        }
        if (events.subscribers() > 0) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("event", "flow-ended");
            json.put("time", Instant.now().toString());
            json.putAll(view.toJson());
            events.publish(Json.text(json));
        }
    }

    // ---- front ends started beside the lab ----

    /**
     * A listener that counts, lists and publishes the ended TCP flows of a front end the lab did not start (the
     * transparent listeners of {@code censorsim run}) as it does its own, under the name {@code front}. Such a front
     * end reads {@link #holder()}, so API and timeline swaps reach it too.
     */
    public FlowListener tcpFlowListener(String front) {
        return tcpListener(java.util.Objects.requireNonNull(front, "front"));
    }

    /** As {@link #tcpFlowListener}, for the ended UDP flows of a front end the lab did not start. */
    public UdpFlowListener udpFlowListener(String front) {
        return udpListener(java.util.Objects.requireNonNull(front, "front"));
    }

    /** Counts the answers of a DNS server the lab did not start, as it does its own server's. */
    public Consumer<DnsQueryEvent> dnsQueryListener() {
        return this::dnsAnswered;
    }

    /**
     * Lists the live TCP flows of a front end the lab did not start in {@link #liveFlows()} (and so in
     * {@code GET /censorsim/flows}), and exports their number as {@code censorsim_active_flows{front=...}}.
     * {@code flows} is called from the API's thread and must not block; {@link #detach} removes the front end.
     */
    public void attach(String front, Supplier<CompletableFuture<List<LiveFlow>>> flows, LongSupplier liveCount) {
        java.util.Objects.requireNonNull(flows, "flows");
        if (attached.putIfAbsent(java.util.Objects.requireNonNull(front, "front"), flows) != null
                || tcpFronts.containsKey(front)) {
            throw new IllegalArgumentException("two front ends named '" + front + "'");
        }
        metrics.gauge("censorsim_active_flows", "TCP flows relaying now, by front end.", liveCount, "front", front);
    }

    /** Stops listing the live flows of an {@link #attach attached} front end (it is stopping). */
    public void detach(String front) {
        attached.remove(front);
    }

    // ---- steering ----

    /** Swaps in {@code policy}; {@code source} says where it came from (a file, {@code api}, a phase). */
    public void apply(CompiledPolicy policy, String source) {
        apply(policy, source, null, null);
    }

    private synchronized void apply(CompiledPolicy policy, String source, String text, String phase) {
        holder.swap(policy);
        policySource = source;
        policyText = text;
        currentPhase = phase;
        metrics.add("censorsim_policy_swaps_total", "Policy swaps since start (API, phase, reload).", 1);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("event", "policy-switched");
        json.put("time", Instant.now().toString());
        json.put("source", source);
        json.put("phase", phase);
        json.put("rules", policy.rules().size());
        json.put("dns_rules", policy.dnsRules().size());
        events.publish(Json.text(json));
    }

    /** Compiles {@code text} and swaps it in, remembering the text for {@code GET /censorsim/policy}. */
    @Override
    public void applyPolicy(String text, String sourceName) throws PolicyException {
        CompiledPolicy compiled = PolicyLoader.parse(text, sourceName);
        apply(compiled, sourceName, text, null);
    }

    /** Swaps in a policy read from a file (hot reload); the old one stays when it does not compile. */
    public void reload(java.nio.file.Path file) throws PolicyException, IOException {
        String text = java.nio.file.Files.readString(file);
        CompiledPolicy compiled = PolicyLoader.parse(text, file.toString());
        apply(compiled, file.toString(), text, null);
    }

    /** Adds or replaces a named policy that {@link #phase} can switch to. */
    public synchronized void definePhase(String name, CompiledPolicy policy) {
        options.phases.put(name, policy);
    }

    @Override
    public void phase(String name) {
        CompiledPolicy policy;
        synchronized (this) {
            policy = options.phases.get(name);
            if (policy == null) {
                throw new NoSuchElementException("no phase '" + name + "'; known: "
                        + (options.phases.isEmpty() ? "none" : String.join(", ", options.phases.keySet())));
            }
        }
        apply(policy, "phase " + name, null, name);
    }

    @Override
    public synchronized List<String> phases() {
        return List.copyOf(options.phases.keySet());
    }

    @Override
    public synchronized String currentPhase() {
        return currentPhase;
    }

    @Override
    public CompiledPolicy policy() {
        return holder.current();
    }

    /** The holder every front end reads; swap through the lab's methods so metrics and events see the change. */
    public PolicyHolder holder() {
        return holder;
    }

    @Override
    public synchronized String policySource() {
        return policySource;
    }

    @Override
    public synchronized String policyText() {
        return policyText;
    }

    // ---- observing ----

    @Override
    public CompletableFuture<List<FlowView>> liveFlows() {
        List<CompletableFuture<List<FlowView>>> parts = new ArrayList<>();
        tcpFronts.forEach((front, proxy) -> parts.add(views(front, proxy.flows())));
        attached.forEach((front, source) -> parts.add(views(front, source.get())));
        if (toxiproxy != null) {
            // Toxiproxy proxies: those made through the API, and serve --forward TCP ports when the API is on.
            toxiproxy.liveFlows().forEach((front, flows) -> parts.add(views(front, flows)));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<FlowView> all = new ArrayList<>();
            parts.forEach(p -> all.addAll(p.join()));
            return all;
        });
    }

    private static CompletableFuture<List<FlowView>> views(String front, CompletableFuture<List<LiveFlow>> flows) {
        return flows.thenApply(list -> list.stream().map(f -> FlowView.live(front, f)).toList());
    }

    @Override
    public List<FlowView> recentFlows() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    @Override
    public CensorMetrics metrics() {
        return metrics;
    }

    @Override
    public CensorEvents events() {
        return events;
    }

    // ---- addresses ----

    /** The SOCKS5 front end's address, or {@code null} when it is off. */
    public InetSocketAddress socksAddress() {
        return address(tcpFronts.get("socks"));
    }

    /** The HTTP proxy's address, or {@code null} when it is off. */
    public InetSocketAddress httpProxyAddress() {
        return address(tcpFronts.get("http"));
    }

    /** The DNS server's UDP address (TCP is on the same port), or {@code null} when it is off. */
    public InetSocketAddress dnsAddress() {
        return dnsServer == null ? null : dnsServer.udpAddress();
    }

    /** The control API's address, or {@code null} when it is off. */
    public InetSocketAddress apiAddress() {
        return controlServer == null ? null : controlServer.localAddress();
    }

    /**
     * A named forward's address.
     *
     * @throws NoSuchElementException when there is none by that name
     */
    public InetSocketAddress forwardAddress(String name) {
        CensorProxy tcp = tcpFronts.get(name);
        if (tcp != null && !name.equals("socks") && !name.equals("http")) {
            return tcp.localAddress();
        }
        UdpRelay udp = udpFronts.get(name);
        if (udp != null) {
            return udp.localAddress();
        }
        InetSocketAddress toxic = toxiproxy == null ? null : toxiproxy.address(name);
        if (toxic != null) {
            return toxic;
        }
        throw new NoSuchElementException("no forward named '" + name + "'");
    }

    /** Every front end's name and address, in start order, for banners. */
    public Map<String, InetSocketAddress> frontEnds() {
        Map<String, InetSocketAddress> all = new LinkedHashMap<>();
        tcpFronts.forEach((name, proxy) -> all.put(name, proxy.localAddress()));
        if (toxiproxy != null) {
            options.forwards.stream().filter(f -> !f.udp()).forEach(f -> all.put(f.name(), toxiproxy.address(f.name())));
        }
        udpFronts.forEach((name, relay) -> all.put(name + " (udp)", relay.localAddress()));
        if (dnsServer != null) {
            all.put("dns", dnsServer.udpAddress());
        }
        if (controlServer != null) {
            all.put("api", controlServer.localAddress());
        }
        return all;
    }

    private static InetSocketAddress address(CensorProxy proxy) {
        return proxy == null ? null : proxy.localAddress();
    }

    /** Stops the API first (no more steering), then every front end; open flows are closed and reported. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception ignored) {
                // stopping anyway; a failure to close one front end must not keep the others open
            }
        }
        started.clear();
    }
}
