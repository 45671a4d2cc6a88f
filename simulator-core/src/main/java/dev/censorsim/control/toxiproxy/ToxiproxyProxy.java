package dev.censorsim.control.toxiproxy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.action.ChainAction;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.FlowPolicy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.LiveFlow;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One Toxiproxy proxy: a censorsim port-forward with its own {@link PolicyHolder}, whose policy is the proxy's toxic
 * list compiled into one rule. Enabled means listening; disabling closes the listener and every live connection, as
 * Toxiproxy's {@code stop} does. Confined to the API's lock.
 */
final class ToxiproxyProxy {

    /** How long a toxic change waits for live connections to take it, as Toxiproxy waits for each link. */
    private static final long REEVALUATE_WAIT_SECONDS = 5;

    private final String name;
    private String listen;
    private String upstream;
    private boolean enabled;
    private final Map<String, Toxic> toxics = new LinkedHashMap<>();
    private final PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
    private final Supplier<FlowPolicy> ownPolicy = FlowPolicy.of(holder);
    private final ToxiproxyApi.ProxySettings options;
    /** The shared policy under the toxics ({@code serve --forward}), or null. */
    private final PolicyHolder base;
    private final Supplier<FlowPolicy> basePolicy;
    private CensorProxy proxy;
    private PolicyHolder.Subscription baseSwaps;

    /** @param options the API's settings for every proxy; listen address, upstream and policy are set after it */
    ToxiproxyProxy(String name, String listen, String upstream, ToxiproxyApi.ProxySettings options,
                   PolicyHolder base) {
        this.name = name;
        this.listen = listen;
        this.upstream = upstream;
        this.options = options;
        this.base = base;
        this.basePolicy = base == null ? null : FlowPolicy.of(base);
    }

    String name() {
        return name;
    }

    String listen() {
        return listen;
    }

    String upstream() {
        return upstream;
    }

    boolean enabled() {
        return enabled;
    }

    /** The bound address while enabled, else null. */
    InetSocketAddress boundAddress() {
        return proxy == null ? null : proxy.localAddress();
    }

    /** Binds the listener; a no-op when already enabled (Toxiproxy's {@code ErrProxyAlreadyStarted}, ignored). */
    void start() throws ApiError {
        if (enabled) {
            return;
        }
        InetSocketAddress listenAddress = parseListen(listen);
        InetSocketAddress upstreamAddress = resolveUpstream(upstream);
        ProxyOptions.Builder builder = options.apply(name, ProxyOptions.forward(upstreamAddress));
        // Re-evaluation on swaps is driven from here (recompile() waits for it), so a plain supplier, not a holder.
        ProxyOptions proxyOptions = builder.listen(listenAddress).flowPolicy(this::flowPolicy).build();
        CensorProxy started;
        try {
            started = CensorProxy.start(proxyOptions);
        } catch (IOException e) {
            throw new ApiError(500, "listen tcp " + listen + ": " + e.getMessage());
        }
        proxy = started;
        if (base != null) {
            // The shared policy changes on its own schedule; its flows follow it without waiting here.
            baseSwaps = base.subscribe(next -> started.reevaluate());
        }
        listen = format(started.localAddress());
        enabled = true;
    }

    /** Closes the listener and every live connection; a no-op when disabled. */
    void stop() {
        if (!enabled) {
            return;
        }
        enabled = false;
        if (baseSwaps != null) {
            baseSwaps.close();
            baseSwaps = null;
        }
        CensorProxy running = proxy;
        proxy = null;
        running.close();
    }

    /** Toxiproxy's {@code Differs}: another listen address (resolved) or another upstream string. */
    boolean differs(String otherListen, String otherUpstream) throws ApiError {
        return !format(parseListen(otherListen)).equals(listen) || !otherUpstream.equals(upstream);
    }

    /** Moves a stopped proxy to a new listen address and upstream. */
    void retarget(String newListen, String newUpstream) {
        if (enabled) {
            throw new IllegalStateException("stop the proxy before retargeting it");
        }
        listen = newListen;
        upstream = newUpstream;
    }

    Toxic toxic(String toxicName) {
        return toxics.get(toxicName);
    }

    /** Upstream toxics, then downstream ones, each in the order they were added: Toxiproxy's listing order. */
    List<Toxic> toxics() {
        List<Toxic> ordered = new ArrayList<>(toxics.size());
        for (Direction stream : List.of(Direction.UP, Direction.DOWN)) {
            for (Toxic t : toxics.values()) {
                if (t.stream() == stream) {
                    ordered.add(t);
                }
            }
        }
        return ordered;
    }

    /** The flows relaying now; none while the proxy is disabled. */
    CompletableFuture<List<LiveFlow>> liveFlows() {
        return proxy == null ? CompletableFuture.completedFuture(List.of()) : proxy.flows();
    }

    /**
     * Adds or replaces (same name, same position) a toxic and hands the new list to live connections. A toxic whose
     * action cannot be built leaves the list as it was (and the exception goes to the caller), so one bad value never
     * keeps the proxy's other toxics from being applied.
     */
    void putToxic(Toxic toxic) {
        Toxic previous = toxics.put(toxic.name(), toxic);
        try {
            recompile();
        } catch (RuntimeException e) {
            if (previous != null) {
                toxics.put(toxic.name(), previous);
            } else {
                toxics.remove(toxic.name());
            }
            throw e;
        }
    }

    boolean removeToxic(String toxicName) {
        if (toxics.remove(toxicName) == null) {
            return false;
        }
        recompile();
        return true;
    }

    void clearToxics() {
        if (!toxics.isEmpty()) {
            toxics.clear();
            recompile();
        }
    }

    /**
     * Compiles the toxics into one rule (a {@link ChainAction} in listing order), swaps it in, and waits until live
     * connections have been moved to it, as Toxiproxy's API returns once every link has the change.
     */
    private void recompile() {
        List<TcpAction> actions = new ArrayList<>();
        for (Toxic t : toxics()) {
            TcpAction action = t.action();
            if (action != null) {
                actions.add(action);
            }
        }
        CompiledPolicy next = actions.isEmpty() ? CompiledPolicy.empty()
                : CompiledPolicy.ofAction(name, actions.size() == 1 ? actions.get(0) : new ChainAction(actions));
        holder.swap(next);
        if (proxy != null) {
            try {
                proxy.reevaluate().get(REEVALUATE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // Each flow moves on its own loop; one slow loop must not fail the API call. New flows use `next`.
            }
        }
    }

    private FlowPolicy flowPolicy() {
        FlowPolicy own = ownPolicy.get();
        return basePolicy == null ? own : new LayeredPolicy(basePolicy.get(), own);
    }

    /** Toxiproxy's proxy JSON, toxics included. */
    ObjectNode toJson(JsonNodeFactory json) {
        ObjectNode node = json.objectNode();
        node.put("name", name);
        node.put("listen", listen);
        node.put("upstream", upstream);
        node.put("enabled", enabled);
        var list = node.putArray("toxics");
        for (Toxic t : toxics()) {
            list.add(t.toJson(json));
        }
        return node;
    }

    static ObjectNode toJson(JsonNodeFactory json, Collection<ToxiproxyProxy> proxies) {
        ObjectNode node = json.objectNode();
        proxies.forEach(p -> node.set(p.name(), p.toJson(json)));
        return node;
    }

    /**
     * A listen address as Go's {@code net.Listen} takes it: {@code host:port}, {@code [v6]:port}; an empty host is
     * loopback here (Go would bind every interface: censorsim listens on loopback unless told otherwise). An empty
     * address, or none, is an ephemeral port, as Go's {@code net.Listen("tcp", "")}; the proxy then reports the port
     * it got.
     */
    static InetSocketAddress parseListen(String listen) throws ApiError {
        if (listen.isEmpty()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        }
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new ApiError(500, "listen tcp " + listen + ": address " + listen + ": missing port in address");
        }
        String host = stripBrackets(listen.substring(0, colon));
        int port = port(listen.substring(colon + 1));
        if (port < 0) {
            throw new ApiError(500, "listen tcp " + listen + ": address " + listen + ": invalid port");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ApiError(500, "listen tcp " + listen + ": lookup " + host + ": no such host");
        }
    }

    /** The upstream, resolved now (Toxiproxy resolves at each connect; the port-forward needs an address). */
    static InetSocketAddress resolveUpstream(String upstream) throws ApiError {
        int colon = upstream.lastIndexOf(':');
        int port = colon < 0 ? -1 : port(upstream.substring(colon + 1));
        if (port <= 0) {
            throw new ApiError(400, "invalid upstream: expected host:port, got '" + upstream + "'");
        }
        String host = stripBrackets(upstream.substring(0, colon));
        try {
            return new InetSocketAddress(host.isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host),
                    port);
        } catch (UnknownHostException e) {
            throw new ApiError(400, "invalid upstream: lookup " + host + ": no such host");
        }
    }

    /** Go's {@code host:port} form: {@code 127.0.0.1:8474}, {@code [::1]:8474}. */
    static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip.getHostAddress();
        if (ip instanceof Inet6Address) {
            int zone = host.indexOf('%');
            host = "[" + (zone >= 0 ? host.substring(0, zone) : host) + "]";
        }
        return host + ":" + address.getPort();
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int port = Integer.parseInt(text);
        return port <= 65_535 ? port : -1;
    }
}
