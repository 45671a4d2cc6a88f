package dev.censorsim.control.toxiproxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.censorsim.control.ControlServer;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Toxiproxy's routes over raw HTTP: status codes, error bodies, defaults and the edges a client library hides. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToxiproxyApiHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ToxiproxyApi api;
    private ControlServer server;
    private LoopbackServer echo;
    private String upstream;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        api = new ToxiproxyApi();
        server = ControlServer.builder().listen(new java.net.InetSocketAddress("127.0.0.1", 0)).handler(api).start();
        echo = LoopbackServer.start(LoopbackServer.echo());
        upstream = "127.0.0.1:" + echo.address().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
        server.close();
        echo.close();
    }

    @Test
    void createProxyShouldAnswer201WithTheBoundAddressAndConflictOnTheSameName() throws Exception {
        Reply created = send("POST", "/proxies", "{\"name\":\"db\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"" + upstream
                + "\"}");
        Reply again = send("POST", "/proxies", "{\"name\":\"db\",\"upstream\":\"" + upstream + "\"}");

        assertThat(created.status).isEqualTo(201);
        assertThat(created.json.get("name").asText()).isEqualTo("db");
        assertThat(created.json.get("listen").asText()).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
        assertThat(created.json.get("upstream").asText()).isEqualTo(upstream);
        assertThat(created.json.get("enabled").asBoolean()).isTrue();
        assertThat(created.json.get("toxics")).isEmpty();
        assertError(again, 409, "proxy already exists");
    }

    @Test
    void anEmptyOrMissingListenShouldBindAnEphemeralLoopbackPortAndReportIt() throws Exception {
        // Toxiproxy passes the field to Go's net.Listen("tcp", ""), which binds a port of the kernel's choosing.
        Reply empty = send("POST", "/proxies", "{\"name\":\"empty\",\"listen\":\"\",\"upstream\":\"" + upstream
                + "\"}");
        Reply missing = send("POST", "/proxies", "{\"name\":\"missing\",\"upstream\":\"" + upstream + "\"}");

        for (Reply created : java.util.List.of(empty, missing)) {
            assertThat(created.status).as(created.body).isEqualTo(201);
            assertThat(created.json.get("listen").asText()).as("the port it got, on loopback")
                    .matches("127\\.0\\.0\\.1:[1-9][0-9]*");
            assertThat(echoes(address(created.json))).as("the reported address carries traffic").isTrue();
        }
        assertThat(send("GET", "/proxies/empty", null).json.get("listen").asText())
                .isEqualTo(empty.json.get("listen").asText());
    }

    @Test
    void badProxyBodiesShouldGet400WithToxiproxysMessages() throws Exception {
        assertError(send("POST", "/proxies", "{\"upstream\":\"" + upstream + "\"}"), 400,
                "missing required field: name");
        assertError(send("POST", "/proxies", "{\"name\":\"x\"}"), 400, "missing required field: upstream");
        assertError(send("POST", "/proxies", ""), 400, "bad request body: EOF");
        assertError(send("POST", "/proxies", "{\"name\": 7, \"upstream\": \"a:1\"}"), 400,
                "bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string");
        assertThat(send("POST", "/proxies", "{not json").json.get("error").asText()).startsWith("bad request body: ");
    }

    @Test
    void unknownProxiesAndToxicsShouldGet404() throws Exception {
        assertError(send("GET", "/proxies/nope", null), 404, "proxy not found");
        assertError(send("DELETE", "/proxies/nope", null), 404, "proxy not found");
        assertError(send("POST", "/proxies/nope/toxics", "{\"type\":\"latency\"}"), 404, "proxy not found");
        createProxy("p");
        assertError(send("GET", "/proxies/p/toxics/nope", null), 404, "toxic not found");
        assertError(send("PATCH", "/proxies/p/toxics/nope", "{}"), 404, "toxic not found");
        assertError(send("DELETE", "/proxies/p/toxics/nope", null), 404, "toxic not found");
    }

    @Test
    void toxicShouldTakeToxiproxysDefaultsAndConflictOnItsName() throws Exception {
        createProxy("p");

        Reply toxic = send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"attributes\":{\"latency\":50}}");
        Reply twin = send("POST", "/proxies/p/toxics", "{\"type\":\"latency\"}");

        assertThat(toxic.status).as("Toxiproxy answers a new toxic with 200, not 201").isEqualTo(200);
        assertThat(toxic.json.toString()).isEqualTo("{\"attributes\":{\"latency\":50,\"jitter\":0},"
                + "\"name\":\"latency_downstream\",\"type\":\"latency\",\"stream\":\"downstream\",\"toxicity\":1}");
        assertError(twin, 409, "toxic already exists");
    }

    @Test
    void badToxicBodiesShouldGet400InToxiproxysOrder() throws Exception {
        createProxy("p");
        assertError(send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"stream\":\"sideways\"}"), 400,
                "stream was invalid, can be either upstream or downstream");
        assertError(send("POST", "/proxies/p/toxics", "{\"type\":\"packet_loss\"}"), 400, "invalid toxic type");
        assertError(send("POST", "/proxies/p/toxics", "{\"type\":\"bandwidth\",\"attributes\":{\"rate\":\"fast\"}}"),
                400, "bad request body: json: cannot unmarshal string into Go struct field BandwidthToxic.rate of "
                        + "type int64");
        assertThat(send("GET", "/proxies/p/toxics", null).json).as("nothing was added").isEmpty();
    }

    @Test
    void aForwardsSharedPolicyShouldHoldForAProxyOfItsNameMadeAgain() throws Exception {
        // serve --forward db=... --policy P registers db with P; populate or delete-then-create made it toxics-only.
        PolicyHolder everyFlowReset = new PolicyHolder(PolicyLoader.parse(
                "rules: [ { name: cut, action: { type: reset } } ]\n", "p.yaml"));
        try (LoopbackServer other = LoopbackServer.start(LoopbackServer.echo())) {
            java.net.InetSocketAddress db = api.register("db", new java.net.InetSocketAddress("127.0.0.1", 0),
                    echo.address(), everyFlowReset);
            assertThat(echoes(db)).as("the forward obeys its policy").isFalse();

            Reply populated = send("POST", "/populate", "[{\"name\":\"db\",\"listen\":\"127.0.0.1:0\","
                    + "\"upstream\":\"127.0.0.1:" + other.address().getPort() + "\"}]");
            assertThat(populated.status).as(populated.body).isEqualTo(201);
            assertThat(echoes(address(populated.json.get("proxies").get(0)))).as("replaced by populate").isFalse();

            assertThat(send("DELETE", "/proxies/db", null).status).isEqualTo(204);
            Reply created = send("POST", "/proxies", "{\"name\":\"db\",\"listen\":\"127.0.0.1:0\",\"upstream\":\""
                    + upstream + "\"}");
            assertThat(created.status).isEqualTo(201);
            assertThat(echoes(address(created.json))).as("deleted and made again").isFalse();

            createProxy("plain");
            assertThat(echoes(address(send("GET", "/proxies/plain", null).json)))
                    .as("another name is toxics only").isTrue();
        }
    }

    @Test
    void aToxicityBeyondFloat32ShouldGet400AndLeaveTheListingsWorking() throws Exception {
        createProxy("p");

        Reply huge = send("POST", "/proxies/p/toxics", "{\"type\":\"latency\",\"toxicity\":1e39,"
                + "\"attributes\":{\"latency\":10}}");

        assertThat(huge.status).as(huge.body).isEqualTo(400);
        assertThat(huge.json.get("error").asText()).startsWith("bad request body: json: cannot unmarshal number ")
                .endsWith(" into Go struct field ToxicWrapper.toxicity of type float32");
        assertThat(send("GET", "/proxies/p/toxics", null).json).as("nothing was added").isEmpty();
        assertThat(send("GET", "/proxies", null).status).isEqualTo(200);
    }

    @Test
    void aSlicerDelayPastLongNanosecondsShouldBeStoredAndLeaveOtherToxicsApplied() throws Exception {
        createProxy("p");

        Reply slow = send("POST", "/proxies/p/toxics", "{\"name\":\"s\",\"type\":\"slicer\",\"attributes\":"
                + "{\"average_size\":10,\"delay\":9223372036854776}}");
        Reply next = send("POST", "/proxies/p/toxics", "{\"name\":\"bw\",\"type\":\"bandwidth\","
                + "\"attributes\":{\"rate\":1}}");

        assertThat(slow.status).as("Toxiproxy takes any int64 delay").isEqualTo(200);
        assertThat(next.status).as(next.body).isEqualTo(200);
        assertThat(send("GET", "/proxies/p/toxics", null).json).hasSize(2);
        assertThat(send("GET", "/proxies", null).status).isEqualTo(200);
    }

    @Test
    void toxicUpdateShouldChangeOnlyWhatItSendsAndAcceptPostWithoutContentType() throws Exception {
        createProxy("p");
        send("POST", "/proxies/p/toxics", "{\"name\":\"s\",\"type\":\"slicer\",\"stream\":\"UPSTREAM\","
                + "\"toxicity\":0.5,\"attributes\":{\"average_size\":64,\"size_variation\":8,\"delay\":10}}");

        Reply updated = send("POST", "/proxies/p/toxics/s", "{\"attributes\":{\"delay\":20}}");
        Reply patched = send("PATCH", "/proxies/p/toxics/s", "{\"toxicity\":0.25}");

        assertThat(updated.status).isEqualTo(200);
        assertThat(updated.json.get("attributes").toString())
                .isEqualTo("{\"average_size\":64,\"size_variation\":8,\"delay\":20}");
        assertThat(updated.json.get("toxicity").asDouble()).isEqualTo(0.5);
        assertThat(updated.json.get("stream").asText()).isEqualTo("upstream");
        assertThat(patched.json.get("toxicity").asDouble()).isEqualTo(0.25);
        assertThat(patched.json.get("attributes").get("delay").asLong()).isEqualTo(20);
    }

    @Test
    void listingsShouldSortProxiesByNameAndListUpstreamToxicsFirst() throws Exception {
        createProxy("b");
        createProxy("a");
        send("POST", "/proxies/a/toxics", "{\"type\":\"limit_data\",\"attributes\":{\"bytes\":5}}");
        send("POST", "/proxies/a/toxics", "{\"type\":\"timeout\",\"stream\":\"upstream\"}");

        JsonNode all = send("GET", "/proxies", null).json;
        JsonNode toxics = send("GET", "/proxies/a/toxics", null).json;

        assertThat(all.fieldNames()).toIterable().containsExactly("a", "b");
        assertThat(toxics).extracting(t -> t.get("name").asText())
                .containsExactly("timeout_upstream", "limit_data_downstream");
        assertThat(all.get("a").get("toxics")).hasSize(2);
    }

    @Test
    void populateShouldCreateKeepOrReplaceAndReportTheFirstError() throws Exception {
        String entry = "{\"name\":\"one\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"" + upstream + "\"}";
        Reply first = send("POST", "/populate", "[" + entry + ",{\"name\":\"two\",\"upstream\":\"" + upstream
                + "\",\"enabled\":false}]");
        String listen = first.json.get("proxies").get(0).get("listen").asText();
        send("POST", "/proxies/one/toxics", "{\"type\":\"latency\"}");
        Reply same = send("POST", "/populate", "[{\"name\":\"one\",\"listen\":\"" + listen + "\",\"upstream\":\""
                + upstream + "\"}]");
        Reply invalid = send("POST", "/populate", "[" + entry + ",{\"name\":\"three\"}]");

        assertThat(first.status).isEqualTo(201);
        assertThat(first.json.get("proxies")).extracting(p -> p.get("enabled").asBoolean()).containsExactly(true, false);
        assertThat(same.json.get("proxies").get(0).get("toxics")).as("an identical proxy is kept, toxics and all")
                .hasSize(1);
        assertError(invalid, 400, "missing required field: upstream at proxy 2");
        assertError(send("POST", "/populate", "{}"), 400,
                "bad request body: json: cannot unmarshal object into Go value of type []toxiproxy.Proxy");
    }

    @Test
    void resetShouldAnswer204AndUpdateShouldMoveTheProxy() throws Exception {
        createProxy("p");
        Reply disabled = send("PATCH", "/proxies/p", "{\"enabled\":false}");
        Reply reset = send("POST", "/reset", null);

        assertThat(disabled.json.get("enabled").asBoolean()).isFalse();
        assertThat(reset.status).isEqualTo(204);
        assertThat(send("GET", "/proxies/p", null).json.get("enabled").asBoolean()).isTrue();

        Reply moved = send("POST", "/proxies/p", "{\"listen\":\"127.0.0.1:0\"}");
        String listen = moved.json.get("listen").asText();
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(listen.substring(listen.indexOf(':') + 1)))) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(7);
            assertThat(in.read()).isEqualTo(7);
        }
        assertThat(send("DELETE", "/proxies/p", null).status).isEqualTo(204);
    }

    @Test
    void versionShouldAnswerJson() throws Exception {
        Reply version = send("GET", "/version", null);

        assertThat(version.status).isEqualTo(200);
        assertThat(version.json.get("version").asText()).startsWith("censorsim-");
    }

    @Test
    void browsersShouldBeRefusedAndOtherPathsLeftToOtherHandlers() throws Exception {
        HttpResponse<String> browser = http.send(HttpRequest.newBuilder(uri("/proxies"))
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)").GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(browser.statusCode()).isEqualTo(403);
        assertThat(browser.body()).contains("User agent not allowed");
        assertThat(send("GET", "/censorsim/flows", null).status).as("not a Toxiproxy route").isEqualTo(404);
        assertThat(send("GET", "/proxies/", null).status).as("trailing slash, as gorilla/mux").isEqualTo(404);
        assertThat(send("PUT", "/proxies", "{}").status).isEqualTo(405);
    }

    @Test
    void proxySettingsShouldShapeEachProxyByName() throws Exception {
        java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> ended =
                new java.util.concurrent.ConcurrentHashMap<>();
        try (ToxiproxyApi named = new ToxiproxyApi((name, builder) -> builder.listener(
                record -> ended.computeIfAbsent(name, n -> new java.util.concurrent.atomic.AtomicInteger())
                        .incrementAndGet()));
             ControlServer other = ControlServer.builder().listen(new java.net.InetSocketAddress("127.0.0.1", 0)).handler(named).start()) {
            java.net.InetSocketAddress bound = named.register("logged", new java.net.InetSocketAddress("127.0.0.1", 0),
                    echo.address());
            try (Socket socket = new Socket(bound.getAddress(), bound.getPort())) {
                socket.getOutputStream().write(1);
                assertThat(socket.getInputStream().read()).isEqualTo(1);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!ended.containsKey("logged") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ended).containsOnlyKeys("logged");
        }
    }

    // ---- helpers ----

    private void createProxy(String name) throws Exception {
        Reply reply = send("POST", "/proxies", "{\"name\":\"" + name + "\",\"listen\":\"127.0.0.1:0\",\"upstream\":\""
                + upstream + "\"}");
        assertThat(reply.status).isEqualTo(201);
    }

    private static java.net.InetSocketAddress address(JsonNode proxy) {
        String listen = proxy.get("listen").asText();
        int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
        return new java.net.InetSocketAddress("127.0.0.1", port);
    }

    /** Whether a connection through {@code proxy} gets its bytes echoed (false: reset or closed first). */
    private static boolean echoes(java.net.InetSocketAddress proxy) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(proxy, 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
            return socket.getInputStream().readNBytes(2).length == 2;
        } catch (IOException resetOrRefused) {
            return false;
        }
    }

    private static void assertError(Reply reply, int status, String message) {
        assertThat(reply.status).as(reply.body).isEqualTo(status);
        assertThat(reply.json.get("error").asText()).isEqualTo(message);
        assertThat(reply.json.get("status").asInt()).isEqualTo(status);
    }

    private record Reply(int status, String body, JsonNode json) {
    }

    /** A request with no Content-Type, as toxiproxy-java sends. */
    private Reply send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).method(method, publisher)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        String text = response.body();
        if (!text.isEmpty() && (text.startsWith("{") || text.startsWith("["))) {
            json = JSON.readTree(text);
        }
        return new Reply(response.statusCode(), text, json);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path);
    }
}
