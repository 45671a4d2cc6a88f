package dev.censorsim.control;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.policy.PolicyException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * censorsim's own routes: {@code /healthz}, {@code /metrics}, {@code /censorsim/policy}, {@code /censorsim/phase/NAME}
 * and {@code /censorsim/flows}. ({@code /censorsim/events} streams, so the server answers it itself.) Paths outside
 * these return {@code null} for the next handler; a known path with the wrong method gets 405 with {@code Allow}.
 */
public final class NativeRoutes implements RouteHandler {

    /** Prometheus text exposition format 0.0.4. */
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** How long the flow list waits for every event loop's snapshot. */
    private static final long FLOWS_TIMEOUT_SECONDS = 5;

    private final Censor censor;

    public NativeRoutes(Censor censor) {
        this.censor = censor;
    }

    @Override
    public FullHttpResponse handle(FullHttpRequest request) throws Exception {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        switch (path) {
            case "/healthz":
                return only(method, HttpMethod.GET, () -> Json.response(HttpResponseStatus.OK, Map.of("status", "ok")));
            case "/metrics":
                return only(method, HttpMethod.GET, () -> Json.body(HttpResponseStatus.OK, METRICS_CONTENT_TYPE,
                        censor.metrics().render()));
            case "/censorsim/policy":
                if (method.equals(HttpMethod.GET)) {
                    return Json.response(HttpResponseStatus.OK, describePolicy());
                }
                if (method.equals(HttpMethod.PUT)) {
                    return putPolicy(request);
                }
                return notAllowed("GET, PUT");
            case "/censorsim/flows":
                return only(method, HttpMethod.GET, () -> flows(uri));
            case "/censorsim/phases":
                return only(method, HttpMethod.GET, () -> Json.response(HttpResponseStatus.OK, phases()));
            default:
                break;
        }
        if (path.startsWith("/censorsim/phase/")) {
            return only(method, HttpMethod.POST, () -> phase(path.substring("/censorsim/phase/".length())));
        }
        return null;
    }

    private FullHttpResponse putPolicy(FullHttpRequest request) {
        String text = request.content().toString(StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return Json.error(HttpResponseStatus.BAD_REQUEST, "policy:1:1: empty body; send the policy as YAML or JSON");
        }
        try {
            censor.applyPolicy(text, "policy");
        } catch (PolicyException e) {
            return Json.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
        return Json.response(HttpResponseStatus.OK, describePolicy());
    }

    /** @param name the phase's name from the path, which {@link QueryStringDecoder#path()} has decoded already */
    private FullHttpResponse phase(String name) {
        try {
            censor.phase(name);
        } catch (NoSuchElementException e) {
            return Json.error(HttpResponseStatus.NOT_FOUND, e.getMessage());
        }
        return Json.response(HttpResponseStatus.OK, describePolicy());
    }

    private FullHttpResponse flows(QueryStringDecoder uri) throws Exception {
        List<FlowView> live;
        try {
            live = censor.liveFlows().get(FLOWS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return Json.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "flow snapshot timed out");
        }
        List<FlowView> recent = censor.recentFlows();
        List<String> limit = uri.parameters().get("recent");
        if (limit != null && !limit.isEmpty()) {
            int n;
            try {
                n = Integer.parseInt(limit.get(0));
            } catch (NumberFormatException e) {
                return Json.error(HttpResponseStatus.BAD_REQUEST, "recent must be a number, was " + limit.get(0));
            }
            recent = recent.subList(Math.max(0, recent.size() - Math.max(0, n)), recent.size());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("live", live.stream().map(FlowView::toJson).toList());
        json.put("recent", recent.stream().map(FlowView::toJson).toList());
        return Json.response(HttpResponseStatus.OK, json);
    }

    private Map<String, Object> phases() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("phases", censor.phases());
        json.put("current", censor.currentPhase());
        return json;
    }

    private Map<String, Object> describePolicy() {
        CompiledPolicy policy = censor.policy();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source", censor.policySource());
        json.put("phase", censor.currentPhase());
        List<Map<String, Object>> rules = new ArrayList<>();
        for (CompiledRule rule : policy.rules()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", rule.name());
            r.put("action", rule.describe());
            rules.add(r);
        }
        json.put("rules", rules);
        List<Map<String, Object>> dnsRules = new ArrayList<>();
        for (DnsRule rule : policy.dnsRules()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", rule.name());
            r.put("action", rule.action().describe());
            dnsRules.add(r);
        }
        json.put("dns_rules", dnsRules);
        json.put("text", censor.policyText());
        return json;
    }

    private static FullHttpResponse only(HttpMethod method, HttpMethod allowed, Route route) throws Exception {
        return method.equals(allowed) ? route.answer() : notAllowed(allowed.name());
    }

    private static FullHttpResponse notAllowed(String allow) {
        FullHttpResponse response = Json.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed; use "
                + allow);
        response.headers().set(HttpHeaderNames.ALLOW, allow);
        return response;
    }

    @FunctionalInterface
    private interface Route {
        FullHttpResponse answer() throws Exception;
    }
}
