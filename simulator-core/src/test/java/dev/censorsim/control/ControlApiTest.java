package dev.censorsim.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.censorsim.dns.Zone;
import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The control API's native routes and its guards, over real sockets against a lab with an HTTP proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControlApiTest {

    private static final String RESET_EXAMPLE = """
            rules:
              - name: example-reset
                match: { target: [example.test] }
                action: { type: reset }
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private LoopbackServer echo;
    private Lab lab;

    @BeforeEach
    void start() throws Exception {
        echo = LoopbackServer.start(LoopbackServer.echo());
        lab = Lab.start(new LabOptions().httpProxy(LabOptions.loopback(0)).api(LabOptions.loopback(0))
                .zone(Zone.builder("example.test").a("example.test", "127.0.0.1").build())
                .phase("block", PolicyLoader.parse(RESET_EXAMPLE, "block"))
                .phase("open", PolicyLoader.parse("rules: []", "open")));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
        lab.close();
        echo.close();
    }

    @Test
    void healthzShouldAnswerOk() throws Exception {
        HttpResponse<String> response = call("GET", "/healthz", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("status").asText()).isEqualTo("ok");
    }

    @Test
    void putPolicyShouldSwapAndGetShouldDescribeIt() throws Exception {
        HttpResponse<String> put = call("PUT", "/censorsim/policy", RESET_EXAMPLE);

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode policy = json(call("GET", "/censorsim/policy", null));
        assertThat(policy.get("rules").get(0).get("name").asText()).isEqualTo("example-reset");
        assertThat(policy.get("rules").get(0).get("action").asText()).isEqualTo("reset");
        assertThat(policy.get("source").asText()).isEqualTo("policy");
        assertThat(policy.get("text").asText()).isEqualTo(RESET_EXAMPLE);
    }

    @Test
    void putPolicyShouldAcceptJson() throws Exception {
        HttpResponse<String> put = call("PUT", "/censorsim/policy",
                "{\"rules\": [{\"name\": \"j\", \"match\": {\"sni\": [\"a.test\"]}, \"action\": {\"type\": \"reset\"}}]}");

        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(lab.policy().rules()).extracting(r -> r.name()).containsExactly("j");
    }

    @Test
    void badPolicyShouldGet400WithLineAndColumnAndKeepTheOldPolicy() throws Exception {
        call("PUT", "/censorsim/policy", RESET_EXAMPLE);

        HttpResponse<String> bad = call("PUT", "/censorsim/policy",
                "rules:\n  - name: broken\n    match: { sni: [x] }\n    action: { type: nope }\n");

        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).matches("policy:\\d+:\\d+: .+");
        assertThat(json(bad).get("status").asInt()).isEqualTo(400);
        assertThat(lab.policy().rules()).extracting(r -> r.name()).containsExactly("example-reset");
    }

    @Test
    void phaseShouldSwitchToANamedPolicyAndUnknownOnesGet404() throws Exception {
        HttpResponse<String> block = call("POST", "/censorsim/phase/block", null);

        assertThat(block.statusCode()).isEqualTo(200);
        assertThat(json(block).get("phase").asText()).isEqualTo("block");
        assertThat(lab.policy().rules()).extracting(r -> r.name()).containsExactly("example-reset");
        HttpResponse<String> unknown = call("POST", "/censorsim/phase/nope", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).contains("no phase 'nope'", "block", "open");
    }

    @Test
    void phaseNamesWithAPlusOrAPercentSignShouldBeSelectable() throws Exception {
        Lab named = Lab.start(new LabOptions().api(LabOptions.loopback(0))
                .phase("a+b", PolicyLoader.parse(RESET_EXAMPLE, "a+b"))
                .phase("50%off", PolicyLoader.parse("rules: []", "50%off")));
        cleanup.add(named);

        // As censorsim ctl sends them: the name percent-encoded once.
        HttpResponse<String> plus = call(named, "POST", "/censorsim/phase/a%2Bb");
        HttpResponse<String> percent = call(named, "POST", "/censorsim/phase/50%25off");

        assertThat(plus.statusCode()).as(plus.body()).isEqualTo(200);
        assertThat(json(plus).get("phase").asText()).isEqualTo("a+b");
        assertThat(percent.statusCode()).as(percent.body()).isEqualTo(200);
        assertThat(json(percent).get("phase").asText()).isEqualTo("50%off");
    }

    @Test
    void aForwardOnAToxiproxyPortShouldListItsLiveFlows() throws Exception {
        // With the API on, a TCP forward is a Toxiproxy proxy (serve --forward); its flows are live flows too.
        Lab forwarding = Lab.start(new LabOptions().api(LabOptions.loopback(0))
                .forward(new LabOptions.Forward("db", LabOptions.loopback(0), echo.address(), false)));
        cleanup.add(forwarding);
        try (Socket client = new Socket()) {
            client.connect(forwarding.forwardAddress("db"), 5_000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(client.getInputStream().readNBytes(5)).hasSize(5);

            JsonNode live = json(call(forwarding, "GET", "/censorsim/flows")).get("live");
            assertThat(live).hasSize(1);
            assertThat(live.get(0).get("front").asText()).isEqualTo("db");
            assertThat(live.get(0).get("bytes_up").asLong()).isEqualTo(5);
        }
    }

    @Test
    void wrongMethodShouldGet405WithAllow() throws Exception {
        HttpResponse<String> response = call("DELETE", "/censorsim/policy", null);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("GET, PUT");
    }

    @Test
    void unknownPathShouldGet404AndVersionShouldBeAnsweredInToxiproxysFormat() throws Exception {
        assertThat(call("GET", "/nothing/here", null).statusCode()).isEqualTo(404);
        HttpResponse<String> version = call("GET", "/version", null);
        assertThat(version.statusCode()).as("what Testcontainers' wait strategy polls").isEqualTo(200);
        assertThat(version.body()).contains(dev.censorsim.control.toxiproxy.ToxiproxyApi.VERSION);
    }

    @Test
    void flowsShouldListALiveTunnelAndThenTheEndedOne() throws Exception {
        try (Socket client = tunnel("example.test")) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(client.getInputStream().readNBytes(5)).hasSize(5);

            JsonNode live = json(call("GET", "/censorsim/flows", null)).get("live");
            assertThat(live).hasSize(1);
            assertThat(live.get(0).get("front").asText()).isEqualTo("http");
            assertThat(live.get(0).get("names").get(0).asText()).isEqualTo("example.test");
            assertThat(live.get(0).get("bytes_up").asLong()).isEqualTo(5);
            assertThat(live.get(0).get("bytes_down").asLong()).isEqualTo(5);
            assertThat(live.get(0).get("action").asText()).isEqualTo("pass");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        JsonNode flows;
        do {
            flows = json(call("GET", "/censorsim/flows?recent=10", null));
            // The ended record and the live set are updated from different threads: wait for both.
        } while ((flows.get("recent").isEmpty() || !flows.get("live").isEmpty()) && System.nanoTime() < deadline);
        assertThat(flows.get("live")).isEmpty();
        assertThat(flows.get("recent").get(0).get("end").asText()).isEqualTo("client-closed");
        assertThat(flows.get("recent").get(0).get("age_ms").asLong()).isNotNegative();
    }

    @Test
    void liveFlowShouldBeResetWhenAPolicyForItsTargetArrives() throws Exception {
        try (Socket client = tunnel("example.test")) {
            call("PUT", "/censorsim/policy", RESET_EXAMPLE);

            assertThatThrownBy(() -> {
                client.getOutputStream().write(1);
                client.getInputStream().read();
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void eventsShouldStreamPolicySwitchesAndEndedFlowsAsJsonLines() throws Exception {
        try (Socket stream = new Socket("127.0.0.1", lab.apiAddress().getPort())) {
            stream.setSoTimeout(10_000);
            stream.getOutputStream().write("GET /censorsim/events HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(stream.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            awaitSubscribed();

            call("POST", "/censorsim/phase/open", null);
            try (Socket client = tunnel("example.test")) {
                client.getOutputStream().write('x');
                client.getInputStream().read();
            }
            List<JsonNode> events = new ArrayList<>();
            while (events.size() < 2) {
                String line = in.readLine();
                if (line.startsWith("{")) {
                    events.add(Json.MAPPER.readTree(line));
                }
            }
            assertThat(events.get(0).get("event").asText()).isEqualTo("policy-switched");
            assertThat(events.get(0).get("phase").asText()).isEqualTo("open");
            assertThat(events.get(1).get("event").asText()).isEqualTo("flow-ended");
            assertThat(events.get(1).get("names").get(0).asText()).isEqualTo("example.test");
        }
    }

    @Test
    void metricsShouldParseAsPrometheusTextWithRuleLabels() throws Exception {
        call("PUT", "/censorsim/policy", RESET_EXAMPLE);
        try (Socket client = tunnel("example.test")) {
            client.getOutputStream().write('x');
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        } catch (IOException reset) {
            // the reset may also surface as an exception
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        PrometheusText metrics;
        HttpResponse<String> response;
        do {
            response = call("GET", "/metrics", null);
            metrics = PrometheusText.parse(response.body());
        } while (metrics.samples("censorsim_flows_total").isEmpty() && System.nanoTime() < deadline);

        assertThat(response.headers().firstValue("content-type")).hasValue(NativeRoutes.METRICS_CONTENT_TYPE);
        PrometheusText parsed = metrics;
        assertThat(parsed.types).allSatisfy((name, type) -> assertThat(name).startsWith("censorsim_"));
        assertThat(parsed.types.keySet()).allSatisfy(name -> assertThat(parsed.helps).containsKey(name));
        assertThat(parsed.types).containsEntry("censorsim_flows_total", "counter")
                .containsEntry("censorsim_active_flows", "gauge")
                .containsEntry("censorsim_policy_swaps_total", "counter");
        assertThat(metrics.samples("censorsim_flows_total")).anySatisfy(s -> {
            assertThat(s.labels()).containsEntry("rule", "example-reset").containsEntry("action", "reset")
                    .containsEntry("front", "http");
            assertThat(s.value()).isEqualTo(1.0);
        });
        assertThat(metrics.samples("censorsim_policy_swaps_total")).singleElement()
                .satisfies(s -> assertThat(s.value()).isEqualTo(1.0));
        assertThat(metrics.samples("censorsim_active_flows")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("front", "http"));
    }

    @Test
    void browserUserAgentShouldGet403() throws Exception {
        HttpResponse<String> response = http.send(request("PUT", "/censorsim/policy", RESET_EXAMPLE)
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(lab.policy().rules()).isEmpty();
    }

    @Test
    void bodyOverOneMebibyteShouldGet413() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", lab.apiAddress().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("PUT /censorsim/policy HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + (ControlServer.MAX_BODY_BYTES + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 413");
        }
    }

    @Test
    void tokenShouldBeRequiredWhenSetAndMandatoryBeyondLoopback() throws Exception {
        ControlServer guarded = ControlServer.builder().listen(LabOptions.loopback(0)).token("s3cret")
                .handler(new NativeRoutes(lab)).start();
        cleanup.add(guarded);
        URI uri = URI.create("http://127.0.0.1:" + guarded.localAddress().getPort() + "/healthz");

        HttpResponse<String> none = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer guess")
                .build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> right = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer s3cret")
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> ControlServer.builder().listen(new java.net.InetSocketAddress("0.0.0.0", 0)).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a token");
    }

    @Test
    void extraHandlersShouldBeAskedInOrderAfterTheNativeRoutes() throws Exception {
        RouteHandler version = request -> request.uri().equals("/version")
                ? Json.body(HttpResponseStatus.OK, "text/plain", "toxic-version") : null;
        RouteHandler healthz = request -> Json.body(HttpResponseStatus.OK, "text/plain", "not me");
        ControlServer server = ControlServer.builder().listen(LabOptions.loopback(0))
                .handler(new NativeRoutes(lab)).handlers(List.of(version, healthz)).start();
        cleanup.add(server);
        String base = "http://127.0.0.1:" + server.localAddress().getPort();

        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/version")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("toxic-version");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("\"ok\"");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/other")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("not me");
    }

    @Test
    void requestsShouldGet503AtTheirDeadlineBehindAStuckHandlerAndTheApiShouldRecover() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger swapsRun = new java.util.concurrent.atomic.AtomicInteger();
        RouteHandler stuck = request -> {
            if (request.uri().equals("/stuck")) {
                release.await(20, TimeUnit.SECONDS);
                return Json.body(HttpResponseStatus.OK, "text/plain", "late");
            }
            if (request.uri().equals("/count")) {
                swapsRun.incrementAndGet();
                return Json.body(HttpResponseStatus.OK, "text/plain", "counted");
            }
            return null;
        };
        ControlServer server = ControlServer.builder().listen(LabOptions.loopback(0))
                .requestTimeout(Duration.ofMillis(300)).handler(stuck).handler(new NativeRoutes(lab)).start();
        cleanup.add(server);
        String base = "http://127.0.0.1:" + server.localAddress().getPort();

        long start = System.nanoTime();
        HttpResponse<String> first = get(base + "/stuck");
        HttpResponse<String> queued = get(base + "/count");
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(queued.statusCode()).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("both answered at their deadlines")
                .isLessThan(Duration.ofSeconds(10));

        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        HttpResponse<String> after;
        do {
            after = get(base + "/healthz");
        } while (after.statusCode() != 200 && System.nanoTime() < deadline);
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(swapsRun).as("a request that timed out while queued never runs").hasValue(0);
    }

    private HttpResponse<String> get(String uri) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A CONNECT tunnel through the lab's HTTP proxy to the echo server, named {@code name}. */
    private Socket tunnel(String name) throws IOException {
        Socket socket = new Socket("127.0.0.1", lab.httpProxyAddress().getPort());
        socket.setSoTimeout(10_000);
        cleanup.add(socket);
        OutputStream out = socket.getOutputStream();
        // The name resolves from the lab's zone to loopback; the port is the echo server's.
        out.write(("CONNECT " + name + ":" + echo.address().getPort() + " HTTP/1.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200");
        return socket;
    }

    private void awaitSubscribed() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lab.events().subscribers() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(lab.events().subscribers()).isEqualTo(1);
    }

    private HttpResponse<String> call(Lab other, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other.apiAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return http.send(request(method, path, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lab.apiAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return Json.MAPPER.readTree(response.body());
    }
}
