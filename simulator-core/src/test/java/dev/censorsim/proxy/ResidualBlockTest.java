package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.policy.action.ResidualBlock;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.trace.TlsMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Residual blocking over real sockets: after a blocked SNI, the next ClientHello to the same server is reset too,
 * whatever name it carries, for the residual window; other clients are spared unless the scope is the server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResidualBlockTest {

    private static final String POLICY = """
            rules:
              - name: sni-block
                match: { sni: [blocked.example] }
                action: { type: reset, residual: { scope: %s, for: %s } }
            """;

    @Test
    void innocuousHelloShouldBeResetWhileThreeTupleStateLives() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, POLICY.formatted("3-tuple", "30s"), records)) {
            assertThat(hello(proxy, "127.0.0.1", "innocuous.example")).as("before any trigger").isNull();
            records.next(5_000);
            assertThat(hello(proxy, "127.0.0.1", "blocked.example")).hasMessageContaining("Connection reset");
            assertThat(records.next(5_000).action()).isEqualTo("reset, residual 3-tuple 30s");

            assertThat(hello(proxy, "127.0.0.1", "innocuous.example")).as("same client, same server, new port")
                    .isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord residual = records.next(5_000);
            assertThat(residual.ruleName()).isEqualTo("sni-block");
            assertThat(residual.action()).startsWith("residual reset");
            assertThat(residual.detail()).contains("residual 3-tuple 30s").contains("left");

            assertThat(hello(proxy, "127.0.0.2", "innocuous.example")).as("another client IP is not in the 3-tuple")
                    .isNull();
        }
    }

    @Test
    void serverScopeShouldCatchEveryClient() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, POLICY.formatted("server", "30s"), new RecordingListener())) {
            assertThat(hello(proxy, "127.0.0.1", "blocked.example")).hasMessageContaining("Connection reset");

            assertThat(hello(proxy, "127.0.0.2", "innocuous.example")).isInstanceOf(IOException.class)
                    .hasMessageContaining("Connection reset");
        }
    }

    @Test
    void stateShouldExpireAfterItsWindow() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, POLICY.formatted("3-tuple", "1s"), new RecordingListener())) {
            assertThat(hello(proxy, "127.0.0.1", "blocked.example")).hasMessageContaining("Connection reset");
            assertThat(hello(proxy, "127.0.0.1", "innocuous.example")).isInstanceOf(IOException.class);

            Thread.sleep(1_500);

            assertThat(hello(proxy, "127.0.0.1", "innocuous.example")).as("the window is over").isNull();
        }
    }

    @Test
    void residualBlackholeShouldSwallowTheNextHello() throws Exception {
        String policy = """
                rules:
                  - name: sni-hole
                    match: { sni: [blocked.example] }
                    action: { type: blackhole, residual: { for: 30s } }
                """;
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, policy, new RecordingListener())) {
            assertThat(hello(proxy, "127.0.0.1", "blocked.example")).hasMessageContaining("Read timed out");

            assertThat(hello(proxy, "127.0.0.1", "innocuous.example")).as("no echo within the read timeout")
                    .hasMessageContaining("Read timed out");
        }
    }

    @Test
    void tableShouldForgetTheOldestEntryWhenFull() throws Exception {
        ResidualTable table = new ResidualTable(4);
        ResidualBlock block = new ResidualBlock(ResidualBlock.Scope.THREE_TUPLE, TimeUnit.SECONDS.toNanos(60));
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", 443);
        long now = System.nanoTime();
        for (int i = 1; i <= 10_000; i++) {
            table.trigger(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), server, block,
                    FlowVerdict.PASS, now);
        }

        assertThat(table.size()).as("a flood of triggers stays within the capacity").isEqualTo(4);
        assertThat(table.lookup(InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), server, now)).isNull();
        assertThat(table.lookup(InetAddress.getByAddress(new byte[] {10, 0, 39, 16}), server, now)).isNotNull();
        assertThat(table.lookup(InetAddress.getByAddress(new byte[] {10, 0, 39, 16}), server,
                now + TimeUnit.SECONDS.toNanos(61))).as("expired").isNull();
    }

    @Test
    void unknownScopeShouldBeAnErrorAtItsLine() {
        assertThatThrownBy(() -> PolicyLoader.parse(POLICY.formatted("subnet", "30s"), "residual.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("residual.yaml:4")
                .hasMessageContaining("unknown residual scope 'subnet'; expected one of 3-tuple, server");
    }

    private static CensorProxy start(LoopbackServer server, String policy, RecordingListener records)
            throws Exception {
        CompiledPolicy compiled = PolicyLoader.parse(policy, "residual.yaml");
        return CensorProxy.start(ProxyOptions.forward(server.address()).policy(new PolicyHolder(compiled))
                .listener(records).build());
    }

    /**
     * Sends a ClientHello for {@code sni} from {@code clientIp} and reads its echo: {@code null} when it came back,
     * otherwise what the client saw instead (a reset, or a read timeout for a black hole).
     */
    private static Throwable hello(CensorProxy proxy, String clientIp, String sni) throws IOException {
        byte[] hello = TlsMessages.clientHello(sni, List.of("h2"), false, new Random(7));
        try (Socket client = new Socket()) {
            client.bind(new InetSocketAddress(clientIp, 0));
            client.connect(proxy.localAddress(), 2_000);
            client.setSoTimeout(1_500);
            return catchThrowable(() -> {
                client.getOutputStream().write(hello);
                byte[] echoed = client.getInputStream().readNBytes(hello.length);
                if (echoed.length != hello.length) {
                    throw new IOException("EOF after " + echoed.length + " bytes");
                }
            });
        }
    }
}
