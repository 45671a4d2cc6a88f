package dev.censorsim.junit;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.censorsim.dns.Zone;
import dev.censorsim.messenger.MessengerCertificates;
import dev.censorsim.policy.action.ThrottleAction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The extension as a user would register it, and an unmodified {@code java.net.http.HttpClient} configured only with a
 * {@code ProxySelector} (HTTP CONNECT) and a trust store, against an in-JVM HTTPS server on loopback. The names exist
 * only in the censor's zone: the client never resolves them, the proxy does.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CensorExtensionTest {

    private static final String BLOCKED = "blocked.app.test";
    private static final String SLOW = "slow.app.test";
    private static final String OPEN = "open.app.test";
    /** The download: large enough that the throttle, not the handshake, dominates the time. */
    private static final int BODY_BYTES = 384 * 1024;
    private static final String POLICY = """
            link: { rate: 16mbit }
            rules:
              - name: blocked-reset
                match: { sni: [%s] }
                action: { type: reset }
              - name: slow-cut
                match: { sni: [%s] }
                action: { type: throttle, cut: 0.75, direction: down }
            """.formatted(BLOCKED, SLOW);

    @RegisterExtension
    static CensorExtension censor = CensorExtension.builder()
            .policy(POLICY)
            .zone(Zone.builder("app.test").a(BLOCKED, "127.0.0.1").a(SLOW, "127.0.0.1").a(OPEN, "127.0.0.1")
                    .build())
            .build();

    private static MessengerCertificates certificates;
    private static HttpsServer server;

    @BeforeAll
    static void startServer() throws Exception {
        certificates = MessengerCertificates.generate(List.of(BLOCKED, SLOW, OPEN));
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(certificates.server().toKeyManagerFactory().getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        byte[] body = new byte[BODY_BYTES];
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void httpClientShouldBeResetUnderAnSniRule() {
        HttpClient client = client();

        assertThatThrownBy(() -> get(client, BLOCKED)).isInstanceOf(IOException.class);
        assertThat(censor.flows()).anySatisfy(flow -> {
            assertThat(flow.names()).contains(BLOCKED);
            assertThat(flow.rule()).isEqualTo("blocked-reset");
            assertThat(flow.end()).isEqualTo("reset");
        });
    }

    /**
     * Under the cut the download takes at least bytes/rate (less one bucket's burst, which the 20% slack covers), and
     * well under 3x that: the tolerance is wide on the upper side only because a loaded CI box is slow, never fast.
     */
    @Test
    void httpClientShouldBeThrottledUnderACut() throws Exception {
        HttpClient client = client();
        long rate = ((ThrottleAction) censor.censor().policy().rules().get(1).action()).rateBytesPerSecond();
        double expectedSeconds = (double) BODY_BYTES / rate;

        long start = System.nanoTime();
        HttpResponse<byte[]> response = get(client, SLOW);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).hasSize(BODY_BYTES);
        assertThat(rate).as("cut 0.75 of a 16 Mbit/s link").isEqualTo(16_000_000L / 8 / 4);
        assertThat(seconds).as("elapsed vs %d B at %d B/s", BODY_BYTES, rate)
                .isBetween(expectedSeconds * 0.8, expectedSeconds * 3);
        assertThat(censor.flows()).anySatisfy(flow -> assertThat(flow.rule()).isEqualTo("slow-cut"));
    }

    @Test
    void appliedPolicyShouldResetANameThatPassedBefore() throws Exception {
        HttpClient client = client();
        assertThat(get(client, OPEN).statusCode()).isEqualTo(200);

        censor.apply("rules: [{name: now-blocked, match: {sni: [" + OPEN + "]}, action: {type: reset}}]");

        assertThatThrownBy(() -> get(client(), OPEN)).isInstanceOf(IOException.class);
    }

    @Test
    void eachTestShouldStartOnTheBuildersPolicyWithItsOwnFlows() {
        assertThat(censor.censor().policy().rules()).extracting(r -> r.name())
                .containsExactly("blocked-reset", "slow-cut");
        assertThat(censor.flows()).isEmpty();
        assertThat(censor.dnsAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(censor.socksAddress().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void reportShouldDescribeEachFlowOfTheTest() throws Exception {
        get(client(), OPEN);

        String report = censor.report("a test");

        assertThat(report).contains("censorsim: what the censor did during 'a test'", "policy in force: policy",
                "[http] 127.0.0.1:", OPEN, "rule=- action=pass");
    }

    private static HttpClient client() {
        return HttpClient.newBuilder()
                .proxy(ProxySelector.of(censor.httpProxyAddress()))
                .sslContext(certificates.clientContext())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static HttpResponse<byte[]> get(HttpClient client, String name) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://" + name + ":" + server.getAddress().getPort()
                + "/")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

}
