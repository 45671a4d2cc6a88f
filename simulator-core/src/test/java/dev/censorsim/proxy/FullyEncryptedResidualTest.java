package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The GFW's fully-encrypted block with its residual state (Wu et al., USENIX Security 2023, §4–5), over real sockets
 * through the SOCKS and port-forward front ends: after one random-looking first packet is black-holed, everything
 * from the client to that server IP:port is swallowed for the window, an HTTP request included, while another port of
 * the same host is not; after the window it passes; with {@code flows: all} an open connection goes silent too; and
 * with the GFW's 26% the first blocked reconnect fails every one after it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FullyEncryptedResidualTest {

    private static final String POLICY = """
            rules:
              - name: fully-encrypted
                match: { protocol: [fully-encrypted], probability: %s, seed: 2021 }
                action: { type: blackhole, residual: { scope: 3-tuple, for: %s, flows: %s } }
            """;

    /** Exempt from the test by its printable prefix and HTTP method (Ex2, Ex5): never fully encrypted by itself. */
    private static final byte[] HTTP = "GET / HTTP/1.1\r\nHost: innocuous.example\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void innocuousRequestToTheSameServerPortShouldBeSwallowedForTheWindowAndPassAfterIt() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer blocked = LoopbackServer.start(LoopbackServer.echo());
             LoopbackServer other = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = socks(POLICY.formatted("100%", "4s", "new"), records)) {
            assertThat(echoes(proxy, blocked.address(), HTTP)).as("before any trigger").isTrue();
            records.next(5_000);

            assertThat(echoes(proxy, blocked.address(), random(1))).as("a Shadowsocks-like first packet").isFalse();
            FlowRecord trigger = records.next(5_000);
            assertThat(trigger.ruleName()).isEqualTo("fully-encrypted");
            assertThat(trigger.action()).isEqualTo("blackhole, residual 3-tuple 4s");
            long triggeredAt = System.nanoTime();

            assertThat(echoes(proxy, blocked.address(), HTTP)).as("HTTP to the same server IP:port").isFalse();
            FlowRecord residual = records.next(5_000);
            assertThat(residual.action()).isEqualTo("residual blackhole, residual 3-tuple 4s");
            assertThat(echoes(proxy, other.address(), HTTP)).as("another port of the same host").isTrue();
            assertThat(echoes(proxy, other.address(), random(2)))
                    .as("a fully-encrypted packet to the other port is a fresh draw, and 100% blocks it").isFalse();

            sleepUntil(triggeredAt + TimeUnit.SECONDS.toNanos(4) + TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(echoes(proxy, blocked.address(), HTTP)).as("after the window").isTrue();
        }
    }

    @Test
    void openConnectionShouldGoSilentWhenTheBlockCatchesAllFlows() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = socks(POLICY.formatted("100%", "30s", "all"), new RecordingListener());
             Socket open = Socks5Client.connect(proxy.localAddress(), echo.address())) {
            open.setSoTimeout(1_000);
            assertThat(roundTrip(open, HTTP)).as("the open connection works before the trigger").isTrue();

            assertThat(echoes(proxy, echo.address(), random(3))).isFalse();

            assertThat(eventually(() -> !roundTrip(open, HTTP))).as("the open connection is swallowed too").isTrue();
        }
    }

    @Test
    void openConnectionShouldKeepWorkingWhenTheBlockCatchesNewFlowsOnly() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = socks(POLICY.formatted("100%", "30s", "new"), new RecordingListener());
             Socket open = Socks5Client.connect(proxy.localAddress(), echo.address())) {
            open.setSoTimeout(1_500);
            assertThat(roundTrip(open, HTTP)).isTrue();

            assertThat(echoes(proxy, echo.address(), random(3))).isFalse();

            assertThat(roundTrip(open, HTTP)).as("flows: new leaves open connections alone").isTrue();
            assertThat(echoes(proxy, echo.address(), HTTP)).as("but a new one is swallowed").isFalse();
        }
    }

    @Test
    void firstBlockedReconnectAtTwentySixPercentShouldFailEveryLaterOne() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .policy(policy(POLICY.formatted("26%", "60s", "all"))).build())) {
            int attempt = 0;
            boolean blocked = false;
            // 0.74^60 < 2e-8: a block comes long before the bound.
            while (!blocked && attempt < 60) {
                blocked = !forwardEchoes(proxy, random(100 + attempt));
                attempt++;
            }
            assertThat(blocked).as("one of %d Shadowsocks-like connections drew the block", attempt).isTrue();

            for (int later = 0; later < 4; later++) {
                assertThat(forwardEchoes(proxy, random(1_000 + later)))
                        .as("reconnect %d after the block, each a fresh draw at 26%%", later + 1).isFalse();
            }
            assertThat(forwardEchoes(proxy, HTTP)).as("whatever it looks like").isFalse();
        }
    }

    @Test
    void unknownFlowsValueShouldBeAnErrorAtItsLine() {
        assertThatThrownBy(() -> PolicyLoader.parse(POLICY.formatted("26%", "180s", "some"), "fe.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("fe.yaml:4")
                .hasMessageContaining("unknown residual flows 'some'; expected one of new, all");
    }

    private static CensorProxy socks(String policy, RecordingListener records) throws Exception {
        return CensorProxy.start(ProxyOptions.socks().policy(policy(policy)).listener(records).build());
    }

    private static PolicyHolder policy(String text) throws PolicyException {
        CompiledPolicy compiled = PolicyLoader.parse(text, "fe.yaml");
        return new PolicyHolder(compiled);
    }

    /** 64 bytes that look like a Shadowsocks AEAD first packet: uniformly random, so every exemption fails. */
    private static byte[] random(long seed) {
        byte[] bytes = new byte[64];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Whether {@code payload} sent through SOCKS to {@code target} comes back within the read timeout. */
    private static boolean echoes(CensorProxy proxy, InetSocketAddress target, byte[] payload) throws IOException {
        try (Socket client = Socks5Client.connect(proxy.localAddress(), target)) {
            client.setSoTimeout(1_000);
            return roundTrip(client, payload);
        }
    }

    private static boolean forwardEchoes(CensorProxy proxy, byte[] payload) throws IOException {
        try (Socket client = new Socket()) {
            client.connect(proxy.localAddress(), 2_000);
            client.setSoTimeout(800);
            return roundTrip(client, payload);
        }
    }

    /** Writes {@code payload} and reads it back; {@code false} on a read timeout, EOF or reset. */
    private static boolean roundTrip(Socket socket, byte[] payload) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(payload);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] echoed = in.readNBytes(payload.length);
            return echoed.length == payload.length;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    /** Up to 5 tries: the imposition runs on the flow's event loop, after the trigger's own verdict. */
    private static boolean eventually(Check check) throws Exception {
        for (int i = 0; i < 5; i++) {
            if (check.holds()) {
                return true;
            }
        }
        return false;
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
