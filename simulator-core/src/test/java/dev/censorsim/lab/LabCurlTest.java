package dev.censorsim.lab;

import dev.censorsim.dns.Zone;
import dev.censorsim.testing.Curl;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.ProcessResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "done when": a lab with SOCKS, HTTP proxy, a zone and the API; a PUT of a policy resetting one SNI makes
 * real {@code curl --socks5-hostname} and {@code curl -x http://} to that name fail with a reset, while the other name
 * gets its page. The names exist only in the lab's zone, so nothing leaves loopback and no real DNS is asked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LabCurlTest {

    private static final String BLOCKED = "blocked.lab.test";
    private static final String ALLOWED = "allowed.lab.test";
    /** curl: 35 = TLS handshake failed, 56 = failure receiving network data. */
    private static final int CURL_SSL_CONNECT_ERROR = 35;
    private static final int CURL_RECV_ERROR = 56;
    private static final String RESET_BLOCKED = """
            rules:
              - name: blocked-sni
                match: { sni: [%s] }
                action: { type: reset }
            """.formatted(BLOCKED);

    private static OpenSslServer tls;
    private static Lab lab;

    @BeforeAll
    static void startLab() throws Exception {
        tls = OpenSslServer.start(ALLOWED, BLOCKED);
        Zone zone = Zone.builder("lab.test").a(BLOCKED, "127.0.0.1").a(ALLOWED, "127.0.0.1").build();
        lab = Lab.start(new LabOptions().socks(LabOptions.loopback(0)).httpProxy(LabOptions.loopback(0))
                .dns(LabOptions.loopback(0)).zone(zone).api(LabOptions.loopback(0)));
        HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + lab.apiAddress().getPort() + "/censorsim/policy"))
                .timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofString(RESET_BLOCKED)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void blockedSniShouldBeResetThroughSocks() throws Exception {
        ProcessResult curl = curl("--socks5-hostname", hostPort(lab.socksAddress().getPort()), BLOCKED);

        assertThat(curl.exitCode()).as(curl.toString()).isIn(CURL_SSL_CONNECT_ERROR, CURL_RECV_ERROR);
        assertThat(curl.stderr()).contains("Connection reset by peer");
    }

    @Test
    void blockedSniShouldBeResetThroughHttpConnect() throws Exception {
        ProcessResult curl = curl("-x", "http://" + hostPort(lab.httpProxyAddress().getPort()), BLOCKED);

        assertThat(curl.exitCode()).as(curl.toString()).isIn(CURL_SSL_CONNECT_ERROR, CURL_RECV_ERROR);
        assertThat(curl.stderr()).contains("Connection reset by peer");
    }

    @Test
    void allowedSniShouldGetThePageThroughSocks() throws Exception {
        ProcessResult curl = curl("--socks5-hostname", hostPort(lab.socksAddress().getPort()), ALLOWED);

        assertThat(curl.exitCode()).as(curl.toString()).isZero();
        assertThat(curl.stdout()).contains("s_server");
    }

    @Test
    void allowedSniShouldGetThePageThroughHttpConnect() throws Exception {
        ProcessResult curl = curl("-x", "http://" + hostPort(lab.httpProxyAddress().getPort()), ALLOWED);

        assertThat(curl.exitCode()).as(curl.toString()).isZero();
        assertThat(curl.stdout()).contains("s_server");
    }

    @Test
    void resetFlowsShouldShowInTheFlowListAndMetrics() throws Exception {
        curl("-x", "http://" + hostPort(lab.httpProxyAddress().getPort()), BLOCKED);

        assertThat(lab.recentFlows()).anySatisfy(flow -> {
            assertThat(flow.front()).isEqualTo("http");
            assertThat(flow.names()).contains(BLOCKED);
            assertThat(flow.rule()).isEqualTo("blocked-sni");
            assertThat(flow.end()).isEqualTo("reset");
        });
        assertThat(lab.metrics().value("censorsim_flows_total", "front", "http", "rule", "blocked-sni",
                "action", "reset")).isPositive();
    }

    private static ProcessResult curl(String proxyFlag, String proxy, String name) throws Exception {
        return Curl.run(proxyFlag, proxy, "--cacert", tls.certificate().toString(),
                "https://" + name + ":" + tls.port() + "/");
    }

    private static String hostPort(int port) {
        return "127.0.0.1:" + port;
    }
}
