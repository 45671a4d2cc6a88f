package dev.censorsim.proxy;

import dev.censorsim.messenger.MessengerCertificates;
import dev.censorsim.testing.DownloadServer;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Real TLS through the proxy while a {@link PolicyHolder} swaps policy files, as a scenario phase change does: the
 * live flow is re-evaluated on the SNI of its real ClientHello.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LiveSniSwapTest {

    private static final String NAME = "chat.messenger.test";
    private static final MessengerCertificates CERTS = MessengerCertificates.generate(List.of(NAME));

    @Test
    void sniRuleArrivingMidDownloadShouldResetAFlowFirstDecidedWithoutInspection() throws Exception {
        RecordingListener records = new RecordingListener();
        PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
        DownloadServer server = DownloadServer.start(CERTS.serverContext());
        try (server;
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).policy(holder)
                     .listener(records).build());
             SSLSocket tls = handshake(proxy)) {
            request(tls, 1L << 30);
            InputStream in = tls.getInputStream();
            assertThat(in.readNBytes(1 << 20)).as("the first MiB passes").hasSize(1 << 20);

            holder.swap(PolicyLoader.parse("""
                    rules:
                      - name: messenger-reset
                        match: { sni: [messenger.test] }
                        action: { type: reset }
                    """, "late-block.yaml"));
            FlowRecord record = records.next(5_000);
            Throwable failure = catchThrowable(() -> {
                byte[] buffer = new byte[64 * 1024];
                // What the kernel had already accepted may still be read; then the RST surfaces.
                for (int i = 0; i < 10_000 && in.read(buffer) >= 0; i++) {
                    // drain
                }
            });

            assertThat(record.serverName()).as("learnt on the way through, without holding bytes").isEqualTo(NAME);
            assertThat(record.toLogLine()).contains("sni=" + NAME + " rule=messenger-reset action=reset was=[pass ")
                    .endsWith("end=reset");
            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("reset");
            assertThat(holder.current().rules().get(0).counters().flows()).isEqualTo(1);
        }
    }

    @Test
    void liftingAnSniThrottleShouldLetTheSameDownloadRunAtFullSpeed() throws Exception {
        long bytes = 2L << 20;
        PolicyHolder holder = new PolicyHolder(PolicyLoader.parse("""
                rules:
                  - name: messenger-slow
                    match: { sni: [messenger.test] }
                    action: { type: throttle, rate: 400kbit, direction: down }
                """, "slow.yaml"));
        DownloadServer server = DownloadServer.start(CERTS.serverContext());
        try (server;
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).policy(holder).build());
             SSLSocket tls = handshake(proxy)) {
            request(tls, bytes);
            InputStream in = tls.getInputStream();
            long start = System.nanoTime();
            in.readNBytes(100_000);
            long throttledNanos = System.nanoTime() - start;

            holder.swap(PolicyLoader.parse("""
                    rules:
                      - name: other-slow
                        match: { sni: [elsewhere.test] }
                        action: { type: throttle, rate: 2mbit, direction: down }
                    """, "lifted.yaml"));
            long lifted = System.nanoTime();
            byte[] rest = in.readNBytes((int) bytes - 100_000);
            long liftedNanos = System.nanoTime() - lifted;
            System.out.printf("sni throttle lifted mid-download: 100 kB took %d ms throttled, the other %.1f MB %d ms"
                    + " after the swap%n", throttledNanos / 1_000_000, (bytes - 100_000) / 1e6,
                    liftedNanos / 1_000_000);

            assertThat(throttledNanos).as("100 kB at 50 kB/s").isGreaterThan(Duration.ofMillis(1_500).toNanos());
            assertThat(rest).hasSize((int) bytes - 100_000);
            assertThat(liftedNanos).as("2 MB would take 40 s throttled")
                    .isLessThan(Duration.ofSeconds(10).toNanos());
        }
    }

    private static SSLSocket handshake(CensorProxy proxy) throws IOException {
        Socket plain = RelayTest.connect(proxy);
        SSLSocket tls = (SSLSocket) CERTS.clientContext().getSocketFactory()
                .createSocket(plain, NAME, proxy.localAddress().getPort(), true);
        SSLParameters params = tls.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(NAME)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
        return tls;
    }

    private static void request(SSLSocket tls, long bytes) throws IOException {
        tls.getOutputStream().write(("GET " + bytes + "\n").getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
    }
}
