package dev.censorsim.control.toxiproxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.censorsim.control.RouteHandler;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.LiveFlow;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Toxiproxy's HTTP API ({@code api.go}) on censorsim's proxy, as one {@link RouteHandler} of the control server:
 * {@code GET /version}, {@code GET/POST /proxies}, {@code POST /populate}, {@code POST /reset},
 * {@code GET/POST/PATCH/DELETE /proxies/{name}}, {@code GET/POST /proxies/{name}/toxics} and
 * {@code GET/POST/PATCH/DELETE /proxies/{name}/toxics/{toxic}}, with Toxiproxy's JSON fields, defaults, status codes
 * and {@code {"error": ..., "status": N}} bodies. Any other path is not this handler's ({@code null}).
 *
 * <p>Each proxy is a censorsim port-forward with its own policy holder; its toxics compile to a one-rule policy
 * swapped atomically on each change, and the call returns once live connections have the change (see
 * {@link ToxiproxyProxy}). State lives in memory only. Bodies are read whatever their {@code Content-Type}
 * (toxiproxy-java sends none), and updates are accepted as POST as well as PATCH.
 *
 * <pre>{@code
 * ToxiproxyApi toxiproxy = new ToxiproxyApi();                 // loopback clients, no idle timeout
 * toxiproxy.register("db", listen, upstream, policyHolder);   // serve --forward db=LISTEN,UPSTREAM
 * // hand `toxiproxy` to the control server as one of its RouteHandlers; on shutdown:
 * toxiproxy.close();
 * }</pre>
 *
 * <p>Thread-safe: every route runs under this object's lock, so concurrent calls see Toxiproxy's one-at-a-time
 * semantics; a call that binds or closes a listener holds the lock for that long.
 */
public final class ToxiproxyApi implements RouteHandler, AutoCloseable {

    /** What {@code GET /version} answers: censorsim's version, so a client can tell it is not Toxiproxy itself. */
    public static final String VERSION = "censorsim-" + dev.censorsim.report.ToolVersion.current();

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ToxiproxyApi.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ProxySettings options;
    private final Map<String, ToxiproxyProxy> proxies = new LinkedHashMap<>();
    /**
     * The shared policy of each name {@link #register}ed with one ({@code serve --forward}): a proxy of that name made
     * again through the API (populate with another address, or delete then create) obeys it too, as the port did.
     */
    private final Map<String, PolicyHolder> bases = new LinkedHashMap<>();
    private boolean closed;

    /**
     * Proxies that serve loopback clients only, on one event-loop thread each, with no idle timeout (a Toxiproxy
     * {@code timeout} of 0 holds a connection forever, and so does this).
     */
    public ToxiproxyApi() {
        this(UnaryOperator.identity());
    }

    /**
     * Proxies whose options {@code options} adjusts, e.g. {@code b -> b.listener(flows).allowedClients(cidrs)}. It
     * starts from a port-forward builder with one I/O thread and no idle timeout, and may set anything but the listen
     * address and the policy, which each proxy sets after it (the upstream is the proxy's too).
     */
    public ToxiproxyApi(UnaryOperator<ProxyOptions.Builder> options) {
        this(unnamed(options));
    }

    private static ProxySettings unnamed(UnaryOperator<ProxyOptions.Builder> options) {
        java.util.Objects.requireNonNull(options, "options");
        return (name, builder) -> options.apply(builder);
    }

    /**
     * Proxies whose options {@code settings} adjusts knowing each proxy's name, e.g. to give each its own flow
     * listener labelled with the name; otherwise as {@link #ToxiproxyApi(UnaryOperator)}.
     */
    public ToxiproxyApi(ProxySettings settings) {
        java.util.Objects.requireNonNull(settings, "settings");
        this.options = (name, b) -> settings.apply(name, b.ioThreads(1).idleTimeout(Duration.ZERO));
    }

    /** Adjusts one proxy's options; see {@link #ToxiproxyApi(ProxySettings)}. */
    @FunctionalInterface
    public interface ProxySettings {

        /**
         * @param proxyName the Toxiproxy name of the proxy being started
         * @param builder   a port-forward builder to its upstream, with one I/O thread and no idle timeout; the listen
         *                  address and the policy are set after this returns
         */
        ProxyOptions.Builder apply(String proxyName, ProxyOptions.Builder builder);
    }

    /**
     * Starts a named, enabled proxy from outside the API (e.g. {@code censorsim serve --forward NAME=LISTEN,UPSTREAM}),
     * which Toxiproxy clients then see and add toxics to like any other.
     *
     * @param base the shared policy its flows also obey, the toxics' actions chained after the matching rule's; null
     *             for toxics only
     * @return the bound address (the real port when {@code listen} asked for 0)
     * @throws IllegalArgumentException when the name is taken
     * @throws IOException              when the listener cannot be bound
     */
    public synchronized InetSocketAddress register(String name, InetSocketAddress listen, InetSocketAddress upstream,
                                                   PolicyHolder base) throws IOException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a proxy needs a name");
        }
        if (proxies.containsKey(name)) {
            throw new IllegalArgumentException("proxy '" + name + "' already exists");
        }
        ToxiproxyProxy proxy = new ToxiproxyProxy(name, ToxiproxyProxy.format(listen), ToxiproxyProxy.format(upstream),
                options, base);
        try {
            proxy.start();
        } catch (ApiError e) {
            throw new IOException(e.getMessage(), e);
        }
        proxies.put(name, proxy);
        if (base != null) {
            bases.put(name, base);
        }
        return proxy.boundAddress();
    }

    /** {@link #register(String, InetSocketAddress, InetSocketAddress, PolicyHolder)} with toxics only. */
    public InetSocketAddress register(String name, InetSocketAddress listen, InetSocketAddress upstream)
            throws IOException {
        return register(name, listen, upstream, null);
    }

    /**
     * The live flows of every proxy, by proxy name ({@code serve --forward} TCP ports among them when the API is on),
     * for {@code GET /censorsim/flows}.
     */
    public synchronized Map<String, CompletableFuture<List<LiveFlow>>> liveFlows() {
        Map<String, CompletableFuture<List<LiveFlow>>> all = new LinkedHashMap<>();
        proxies.forEach((name, proxy) -> all.put(name, proxy.liveFlows()));
        return all;
    }

    /** The bound address of the named proxy while it is enabled, else null. */
    public synchronized InetSocketAddress address(String name) {
        ToxiproxyProxy proxy = proxies.get(name);
        return proxy == null ? null : proxy.boundAddress();
    }

    /** Stops every proxy (closing their connections) and forgets them; later requests find none. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        for (ToxiproxyProxy proxy : proxies.values()) {
            proxy.stop();
        }
        proxies.clear();
    }

    @Override
    public FullHttpResponse handle(FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        List<String> path = segments(uri.rawPath());
        Route route = path == null ? null : Route.of(path);
        if (route == null) {
            return null;
        }
        String agent = request.headers().get(HttpHeaderNames.USER_AGENT);
        if (agent != null && agent.startsWith("Mozilla/")) {
            // Toxiproxy's CSRF guard: a browser page must not be able to steer the proxies.
            return text(HttpResponseStatus.FORBIDDEN, "User agent not allowed\n");
        }
        HttpMethod method = request.method();
        try {
            synchronized (this) {
                if (closed) {
                    return error(503, "toxiproxy API is shut down");
                }
                return route(route, path, method, request);
            }
        } catch (ApiError e) {
            return error(e.status(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("toxiproxy route {} {} failed", method, uri.rawPath(), e);
            return error(500, String.valueOf(e.getMessage()));
        }
    }

    /** The routes of {@code api.go}. */
    private enum Route {
        VERSION, PROXIES, POPULATE, RESET, PROXY, TOXICS, TOXIC;

        static Route of(List<String> p) {
            return switch (p.size()) {
                case 1 -> switch (p.get(0)) {
                    case "version" -> VERSION;
                    case "proxies" -> PROXIES;
                    case "populate" -> POPULATE;
                    case "reset" -> RESET;
                    default -> null;
                };
                case 2 -> p.get(0).equals("proxies") ? PROXY : null;
                case 3 -> p.get(0).equals("proxies") && p.get(2).equals("toxics") ? TOXICS : null;
                case 4 -> p.get(0).equals("proxies") && p.get(2).equals("toxics") ? TOXIC : null;
                default -> null;
            };
        }
    }

    private FullHttpResponse route(Route route, List<String> path, HttpMethod method, FullHttpRequest request)
            throws ApiError {
        boolean get = method.equals(HttpMethod.GET);
        boolean post = method.equals(HttpMethod.POST);
        boolean update = post || method.equals(HttpMethod.PATCH);
        boolean delete = method.equals(HttpMethod.DELETE);
        switch (route) {
            case VERSION:
                if (get) {
                    return respond(HttpResponseStatus.OK, "application/json;charset=utf-8",
                            "{\"version\": \"" + VERSION + "\"}\n");
                }
                break;
            case PROXIES:
                if (get) {
                    return json(HttpResponseStatus.OK, ToxiproxyProxy.toJson(JSON, new TreeMap<>(proxies).values()));
                }
                if (post) {
                    return createProxy(request);
                }
                break;
            case POPULATE:
                if (post) {
                    return populate(request);
                }
                break;
            case RESET:
                if (post) {
                    return reset();
                }
                break;
            case PROXY:
                if (get) {
                    return json(HttpResponseStatus.OK, proxy(path.get(1)).toJson(JSON));
                }
                if (update) {
                    return updateProxy(proxy(path.get(1)), request);
                }
                if (delete) {
                    ToxiproxyProxy proxy = proxy(path.get(1));
                    proxy.stop();
                    proxies.remove(proxy.name());
                    return noContent();
                }
                break;
            case TOXICS:
                if (get) {
                    ArrayNode list = JSON.arrayNode();
                    proxy(path.get(1)).toxics().forEach(t -> list.add(t.toJson(JSON)));
                    return json(HttpResponseStatus.OK, list);
                }
                if (post) {
                    return createToxic(proxy(path.get(1)), request);
                }
                break;
            case TOXIC:
                ToxiproxyProxy proxy = proxy(path.get(1));
                if (get) {
                    return json(HttpResponseStatus.OK, toxic(proxy, path.get(3)).toJson(JSON));
                }
                if (update) {
                    return updateToxic(proxy, toxic(proxy, path.get(3)), request);
                }
                if (delete) {
                    if (!proxy.removeToxic(path.get(3))) {
                        throw ApiError.toxicNotFound();
                    }
                    return noContent();
                }
                break;
            default:
                break;
        }
        return error(405, "method " + method + " not allowed on " + "/" + String.join("/", path));
    }

    // ---- proxies ----

    /** {@code POST /proxies}: Toxiproxy's {@code ProxyCreate}; 201 with the proxy. */
    private FullHttpResponse createProxy(FullHttpRequest request) throws ApiError {
        JsonNode body = object(request, "toxiproxy.Proxy");
        String name = string(body, "name", "", "Proxy");
        String listen = string(body, "listen", "", "Proxy");
        String upstream = string(body, "upstream", "", "Proxy");
        boolean enabled = bool(body, "enabled", true, "Proxy");
        if (name.isEmpty()) {
            throw ApiError.missingField("name");
        }
        if (upstream.isEmpty()) {
            throw ApiError.missingField("upstream");
        }
        if (proxies.containsKey(name)) {
            throw new ApiError(409, "proxy already exists");
        }
        ToxiproxyProxy proxy = new ToxiproxyProxy(name, listen, upstream, options, bases.get(name));
        if (enabled) {
            proxy.start();
        }
        proxies.put(name, proxy);
        return json(HttpResponseStatus.CREATED, proxy.toJson(JSON));
    }

    /** {@code POST/PATCH /proxies/{name}}: Toxiproxy's {@code ProxyUpdate}; absent fields keep their values. */
    private FullHttpResponse updateProxy(ToxiproxyProxy proxy, FullHttpRequest request) throws ApiError {
        JsonNode body = object(request, "toxiproxy.Proxy");
        String listen = string(body, "listen", proxy.listen(), "Proxy");
        String upstream = string(body, "upstream", proxy.upstream(), "Proxy");
        boolean enabled = bool(body, "enabled", proxy.enabled(), "Proxy");
        if (proxy.differs(listen, upstream)) {
            proxy.stop();
            proxy.retarget(listen, upstream);
        }
        if (enabled != proxy.enabled()) {
            if (enabled) {
                proxy.start();
            } else {
                proxy.stop();
            }
        }
        return json(HttpResponseStatus.OK, proxy.toJson(JSON));
    }

    /**
     * {@code POST /populate}: Toxiproxy's {@code PopulateJson}. Every entry is checked first; then each is added, or
     * replaces a proxy of its name whose listen or upstream differs (an identical one is kept, toxics and all).
     * 201 with {@code {"proxies": [...]}}; on a failure, the error's status with the error and the proxies done so far.
     */
    private FullHttpResponse populate(FullHttpRequest request) throws ApiError {
        JsonNode body = parse(request);
        if (!body.isArray()) {
            throw ApiError.badBody("json: cannot unmarshal " + kind(body) + " into Go value of type []toxiproxy.Proxy");
        }
        List<JsonNode> entries = new ArrayList<>();
        body.forEach(entries::add);
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            if (!entry.isObject()) {
                throw ApiError.badBody("json: cannot unmarshal " + kind(entry) + " into Go value of type toxiproxy.Proxy");
            }
            if (string(entry, "name", "", "Proxy").isEmpty()) {
                throw ApiError.missingField("name at proxy " + (i + 1));
            }
            if (string(entry, "upstream", "", "Proxy").isEmpty()) {
                throw ApiError.missingField("upstream at proxy " + (i + 1));
            }
            bool(entry, "enabled", true, "Proxy");
        }
        ArrayNode done = JSON.arrayNode();
        for (JsonNode entry : entries) {
            String name = string(entry, "name", "", "Proxy");
            String listen = string(entry, "listen", "", "Proxy");
            String upstream = string(entry, "upstream", "", "Proxy");
            boolean enabled = bool(entry, "enabled", true, "Proxy");
            try {
                ToxiproxyProxy existing = proxies.get(name);
                if (existing != null && !existing.differs(listen, upstream)) {
                    done.add(existing.toJson(JSON));
                    continue;
                }
                if (existing != null) {
                    existing.stop();
                    proxies.remove(name);
                }
                ToxiproxyProxy proxy = new ToxiproxyProxy(name, listen, upstream, options, bases.get(name));
                if (enabled) {
                    proxy.start();
                }
                proxies.put(name, proxy);
                done.add(proxy.toJson(JSON));
            } catch (ApiError e) {
                ObjectNode failure = JSON.objectNode();
                failure.put("error", e.getMessage());
                failure.put("status", e.status());
                failure.set("proxies", done);
                return json(HttpResponseStatus.valueOf(e.status()), failure);
            }
        }
        ObjectNode result = JSON.objectNode();
        result.set("proxies", done);
        return json(HttpResponseStatus.CREATED, result);
    }

    /** {@code POST /reset}: every proxy enabled again and stripped of its toxics; 204. */
    private FullHttpResponse reset() throws ApiError {
        for (ToxiproxyProxy proxy : proxies.values()) {
            proxy.start();
            proxy.clearToxics();
        }
        return noContent();
    }

    private ToxiproxyProxy proxy(String name) throws ApiError {
        ToxiproxyProxy proxy = proxies.get(name);
        if (proxy == null) {
            throw ApiError.proxyNotFound();
        }
        return proxy;
    }

    // ---- toxics ----

    /**
     * {@code POST /proxies/{name}/toxics}: Toxiproxy's {@code AddToxicJson}, checks in its order: body, stream
     * (default {@code downstream}), type, name (default {@code <type>_<stream>}) taken (409), attributes. 200 with the
     * toxic.
     */
    private FullHttpResponse createToxic(ToxiproxyProxy proxy, FullHttpRequest request) throws ApiError {
        JsonNode body = object(request, "toxics.ToxicWrapper");
        String streamText = string(body, "stream", "downstream", "ToxicWrapper");
        float toxicity = number(body, "toxicity", 1f, "ToxicWrapper");
        String name = string(body, "name", "", "ToxicWrapper");
        String typeName = string(body, "type", "", "ToxicWrapper");
        Direction stream = switch (streamText.toLowerCase(Locale.ROOT)) {
            case "upstream" -> Direction.UP;
            case "downstream" -> Direction.DOWN;
            default -> throw new ApiError(400, "stream was invalid, can be either upstream or downstream");
        };
        if (name.isEmpty()) {
            name = typeName + "_" + streamText;
        }
        ToxicType type = ToxicType.byWireName(typeName);
        if (type == null) {
            throw new ApiError(400, "invalid toxic type");
        }
        if (proxy.toxic(name) != null) {
            throw new ApiError(409, "toxic already exists");
        }
        Toxic toxic = Toxic.create(name, type, stream, toxicity).withAttributes(attributes(body, type), toxicity);
        proxy.putToxic(toxic);
        return json(HttpResponseStatus.OK, toxic.toJson(JSON));
    }

    /** {@code POST/PATCH /proxies/{name}/toxics/{toxic}}: new attributes and toxicity; the rest keep their values. */
    private FullHttpResponse updateToxic(ToxiproxyProxy proxy, Toxic toxic, FullHttpRequest request) throws ApiError {
        JsonNode body = object(request, "struct { Attributes interface {}; Toxicity float32 }");
        float toxicity = number(body, "toxicity", toxic.toxicity(), "Toxicity");
        Toxic updated = toxic.withAttributes(attributes(body, toxic.type()), toxicity);
        proxy.putToxic(updated);
        return json(HttpResponseStatus.OK, updated.toJson(JSON));
    }

    private static Toxic toxic(ToxiproxyProxy proxy, String name) throws ApiError {
        Toxic toxic = proxy.toxic(name);
        if (toxic == null) {
            throw ApiError.toxicNotFound();
        }
        return toxic;
    }

    /** The {@code attributes} object's known integer fields; unknown ones are ignored, as Go's decoder does. */
    private static Map<String, Long> attributes(JsonNode body, ToxicType type) throws ApiError {
        JsonNode attributes = field(body, "attributes");
        Map<String, Long> values = new LinkedHashMap<>();
        if (attributes == null || attributes.isNull()) {
            return values;
        }
        if (!attributes.isObject()) {
            throw ApiError.badBody("json: cannot unmarshal " + kind(attributes) + " into Go struct field "
                    + "ToxicWrapper.attributes of type toxics." + goName(type));
        }
        for (String attribute : type.attributes()) {
            JsonNode value = field(attributes, attribute);
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw ApiError.badBody("json: cannot unmarshal " + kind(value) + " into Go struct field "
                        + goName(type) + "." + attribute + " of type int64");
            }
            values.put(attribute, value.longValue());
        }
        return values;
    }

    private static String goName(ToxicType type) {
        StringBuilder name = new StringBuilder();
        for (String part : type.wireName().split("_")) {
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return name.append("Toxic").toString();
    }

    // ---- JSON as Go's encoding/json reads it ----

    private static JsonNode parse(FullHttpRequest request) throws ApiError {
        String text = request.content().toString(StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw ApiError.badBody("EOF");
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiError.badBody(e.getOriginalMessage());
        }
    }

    private static JsonNode object(FullHttpRequest request, String goType) throws ApiError {
        JsonNode body = parse(request);
        if (!body.isObject()) {
            throw ApiError.badBody("json: cannot unmarshal " + kind(body) + " into Go value of type " + goType);
        }
        return body;
    }

    /** A field by name, matched case-insensitively when there is no exact match, as Go's decoder does. */
    private static JsonNode field(JsonNode object, String name) {
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String candidate = it.next();
            if (candidate.equalsIgnoreCase(name)) {
                return object.get(candidate);
            }
        }
        return null;
    }

    private static String string(JsonNode object, String name, String absent, String goType) throws ApiError {
        JsonNode value = field(object, name);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isTextual()) {
            throw ApiError.badBody("json: cannot unmarshal " + kind(value) + " into Go struct field " + goType + "."
                    + name + " of type string");
        }
        return value.textValue();
    }

    private static boolean bool(JsonNode object, String name, boolean absent, String goType) throws ApiError {
        JsonNode value = field(object, name);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw ApiError.badBody("json: cannot unmarshal " + kind(value) + " into Go struct field " + goType + "."
                    + name + " of type bool");
        }
        return value.booleanValue();
    }

    private static float number(JsonNode object, String name, float absent, String goType) throws ApiError {
        JsonNode value = field(object, name);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isNumber()) {
            throw ApiError.badBody("json: cannot unmarshal " + kind(value) + " into Go struct field " + goType + "."
                    + name + " of type float32");
        }
        float number = value.floatValue();
        if (Float.isInfinite(number)) {
            // Beyond float32's range: Go's decoder refuses it with this message, and nothing is stored.
            throw ApiError.badBody("json: cannot unmarshal number " + value.asText() + " into Go struct field "
                    + goType + "." + name + " of type float32");
        }
        return number;
    }

    /** Go's name for a JSON value's kind in its unmarshal errors. */
    private static String kind(JsonNode node) {
        if (node.isTextual()) {
            return "string";
        }
        if (node.isNumber()) {
            return "number";
        }
        if (node.isBoolean()) {
            return "bool";
        }
        return node.isArray() ? "array" : node.isObject() ? "object" : "null";
    }

    // ---- responses ----

    private static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        try {
            return respond(status, "application/json", MAPPER.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    /** Toxiproxy's {@code apiError}: {@code {"error": message, "status": code}} with that status. */
    private static FullHttpResponse error(int status, String message) {
        ObjectNode body = JSON.objectNode();
        body.put("error", message);
        body.put("status", status);
        return json(HttpResponseStatus.valueOf(status), body);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return respond(status, "text/plain; charset=utf-8", body);
    }

    private static FullHttpResponse respond(HttpResponseStatus status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }

    private static FullHttpResponse noContent() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
    }

    /** The decoded path segments, or null for a path no Toxiproxy route has (empty segments, a trailing slash). */
    private static List<String> segments(String rawPath) {
        if (!rawPath.startsWith("/") || rawPath.length() < 2 || rawPath.endsWith("/")) {
            return null;
        }
        String[] parts = rawPath.substring(1).split("/", -1);
        List<String> segments = new ArrayList<>(parts.length);
        for (String part : parts) {
            if (part.isEmpty()) {
                return null;
            }
            segments.add(QueryStringDecoder.decodeComponent(part.replace("+", "%2B"))); // "+" is literal in a path
        }
        return segments;
    }

}
