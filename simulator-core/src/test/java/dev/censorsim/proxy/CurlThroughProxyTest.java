package dev.censorsim.proxy;

import dev.censorsim.policy.FlowFacts;
import dev.censorsim.testing.Curl;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.ProcessResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real clients against a real TLS server: {@code curl} through the proxy (port-forward and SOCKS5 with remote name
 * resolution) to {@code openssl s_server}, with a rule that resets one SNI. Fails, naming the package, when curl or
 * openssl is missing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CurlThroughProxyTest {

    private static final String BLOCKED = "blocked.censorsim.test";
    private static final String ALLOWED = "allowed.censorsim.test";
    /** curl: 35 = TLS handshake failed, 56 = failure receiving network data. */
    private static final int CURL_SSL_CONNECT_ERROR = 35;
    private static final int CURL_RECV_ERROR = 56;

    private static OpenSslServer tls;

    @BeforeAll
    static void startTlsServer() throws Exception {
        tls = OpenSslServer.start(ALLOWED, BLOCKED);
    }

    @AfterAll
    static void stopTlsServer() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void blockedSniShouldFailWithConnectionResetThroughPortForward() throws Exception {
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxy = forwardProxy(records)) {
            int port = proxy.localAddress().getPort();
            ProcessResult curl = Curl.run("--cacert", tls.certificate().toString(),
                    "--resolve", BLOCKED + ":" + port + ":127.0.0.1", "https://" + BLOCKED + ":" + port + "/");

            assertThat(curl.exitCode()).as(curl.toString()).isIn(CURL_SSL_CONNECT_ERROR, CURL_RECV_ERROR);
            assertThat(curl.stderr()).contains("Connection reset by peer");
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).isEqualTo(FlowEnd.RESET);
            assertThat(record.serverName()).isEqualTo(BLOCKED);
            assertThat(record.toLogLine()).contains("sni=" + BLOCKED + " rule=sni-reset action=reset");
        }
    }

    @Test
    void allowedSniShouldCompleteThroughPortForward() throws Exception {
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxy = forwardProxy(records)) {
            int port = proxy.localAddress().getPort();
            ProcessResult curl = Curl.run("--cacert", tls.certificate().toString(),
                    "--resolve", ALLOWED + ":" + port + ":127.0.0.1", "https://" + ALLOWED + ":" + port + "/");

            assertThat(curl.exitCode()).as(curl.toString()).isZero();
            assertThat(curl.stdout()).contains("s_server");
            FlowRecord record = records.next(5_000);
            assertThat(record.serverName()).isEqualTo(ALLOWED);
            assertThat(record.ruleName()).isNull();
        }
    }

    @Test
    void blockedSniShouldFailWithConnectionResetThroughSocks() throws Exception {
        try (CensorProxy proxy = socksProxy()) {
            ProcessResult curl = curlViaSocks(proxy, BLOCKED);

            assertThat(curl.exitCode()).as(curl.toString()).isIn(CURL_SSL_CONNECT_ERROR, CURL_RECV_ERROR);
            assertThat(curl.stderr()).contains("Connection reset by peer");
        }
    }

    @Test
    void allowedSniShouldCompleteThroughSocks() throws Exception {
        try (CensorProxy proxy = socksProxy()) {
            ProcessResult curl = curlViaSocks(proxy, ALLOWED);

            assertThat(curl.exitCode()).as(curl.toString()).isZero();
            assertThat(curl.stdout()).contains("s_server");
        }
    }

    /**
     * {@code --socks5-hostname} sends the name to the proxy, which resolves it; {@code --connect-to} points the TLS
     * name at {@code localhost}, a name the proxy resolves from the hosts file, so no test ever queries real DNS.
     */
    private static ProcessResult curlViaSocks(CensorProxy proxy, String name) throws Exception {
        return Curl.run("--socks5-hostname", "127.0.0.1:" + proxy.localAddress().getPort(),
                "--connect-to", name + ":443:localhost:" + tls.port(),
                "--cacert", tls.certificate().toString(), "https://" + name + "/");
    }

    private static CensorProxy forwardProxy(FlowListener listener) throws Exception {
        return CensorProxy.start(ProxyOptions.forward(tls.address()).flowPolicy(blockSni().source())
                .listener(listener).build());
    }

    private static CensorProxy socksProxy() throws Exception {
        return CensorProxy.start(ProxyOptions.socks().flowPolicy(blockSni().source()).build());
    }

    private static ScriptedPolicy blockSni() {
        Predicate<FlowFacts> sni = facts -> BLOCKED.equals(facts.classification().sni());
        return ScriptedPolicy.onContent("sni-reset", sni, TestActions.reset());
    }
}
