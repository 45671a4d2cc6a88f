package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.trace.TlsMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Several DPI modules in one policy, over real sockets: the 2021 setting of a non-reassembling, raw-matching throttler
 * beside a reassembling blocker. Packets are separate writes 150 ms apart with TCP_NODELAY, so each is its own read.
 *
 * <p>Timing: 48 KB at 256 kbit/s takes 1.5 s; at full rate on loopback, milliseconds. Bounds: over 1 s, under 0.5 s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DpiModulesTest {

    private static final int RESPONSE_BYTES = 48 * 1024;
    private static final long THROTTLED_NANOS = TimeUnit.MILLISECONDS.toNanos(1_000);
    private static final long FULL_RATE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final String POLICY = """
            modules:
              - name: throttler
                reassemble: none
                matching: raw
                packets: 3
                give-up-after: 100
                rules:
                  - name: throttle-t
                    match: { sni: [t.example, both.example] }
                    action: { type: throttle, rate: 256kbit, direction: down }
              - name: blocker
                reassemble: in-order
                rules:
                  - name: block-b
                    match: { sni: [b.example, both.example] }
                    action: { type: reset }
            """;

    private static final LoopbackServer.Behaviour ANSWER = socket -> {
        InputStream in = socket.getInputStream();
        if (in.read(new byte[8192]) < 0) {
            return;
        }
        socket.getOutputStream().write(new byte[RESPONSE_BYTES]);
        try {
            while (in.read(new byte[8192]) >= 0) {
                // until the client leaves
            }
        } catch (IOException reset) {
            // resets are part of these tests
        }
    };

    @Test
    void splitHelloShouldEvadeTheNonReassemblingThrottlerButNotTheReassemblingBlocker() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(ANSWER);
             CensorProxy proxy = start(server)) {
            assertThat(exchange(proxy, hello("t.example"))).as("whole hello: throttled")
                    .isGreaterThan(THROTTLED_NANOS);
            assertThat(exchange(proxy, split(hello("t.example")))).as("split hello evades the throttler")
                    .isLessThan(FULL_RATE_NANOS);
            assertThat(catchThrowable(() -> exchange(proxy, split(hello("b.example")))))
                    .as("the blocker reassembles").isInstanceOf(IOException.class)
                    .hasMessageContaining("Connection reset");
        }
    }

    @Test
    void resetShouldBeatThrottleWhenBothModulesMatch() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(ANSWER);
             CensorProxy proxy = start(server, records)) {
            assertThat(catchThrowable(() -> exchange(proxy, hello("both.example")))).isInstanceOf(IOException.class)
                    .hasMessageContaining("Connection reset");
            assertThat(records.next(5_000).ruleName()).isEqualTo("block-b");
        }
    }

    @Test
    void rawMatchingShouldMissATrailingDotAndOtherCase() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(ANSWER);
             CensorProxy proxy = start(server)) {
            assertThat(exchange(proxy, hello("t.example."))).as("trailing dot").isLessThan(FULL_RATE_NANOS);
            assertThat(exchange(proxy, hello("T.Example"))).as("case").isLessThan(FULL_RATE_NANOS);
            assertThat(exchange(proxy, hello("cdn.t.example"))).as("a subdomain on a label boundary")
                    .isGreaterThan(THROTTLED_NANOS);
        }
    }

    @Test
    void smallNonTlsFirstPacketShouldNotMakeTheThrottlerGiveUp() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(ANSWER);
             CensorProxy proxy = start(server)) {
            assertThat(exchange(proxy, garbage(100), hello("t.example"))).as("100 bytes: it keeps looking")
                    .isGreaterThan(THROTTLED_NANOS);
            assertThat(exchange(proxy, garbage(101), hello("t.example"))).as("101 bytes: it gave up")
                    .isLessThan(FULL_RATE_NANOS);
        }
    }

    @Test
    void singleRulesPolicyShouldStillBeOneImplicitModule() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: r
                    match: { sni: [b.example] }
                    action: { type: reset }
                """, "single.yaml");

        assertThat(policy.modules()).isEmpty();
        assertThat(policy.allRules()).hasSize(1);
    }

    @Test
    void badReassemblyShouldBeAnErrorAtItsLine() {
        assertThatThrownBy(() -> PolicyLoader.parse(POLICY.replace("reassemble: none", "reassemble: sometimes"),
                "modules.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("modules.yaml:3:")
                .hasMessageContaining("unknown reassembly 'sometimes'; expected one of none, in-order, full");
    }

    private static CensorProxy start(LoopbackServer server) throws Exception {
        return start(server, new RecordingListener());
    }

    private static CensorProxy start(LoopbackServer server, RecordingListener records) throws Exception {
        CompiledPolicy compiled = PolicyLoader.parse(POLICY, "modules.yaml");
        return CensorProxy.start(ProxyOptions.forward(server.address()).policy(new PolicyHolder(compiled))
                .listener(records).build());
    }

    private static byte[] hello(String sni) {
        return TlsMessages.clientHello(sni, List.of("h2"), false, new Random(11));
    }

    private static byte[][] split(byte[] hello) {
        int half = hello.length / 2;
        return new byte[][] {Arrays.copyOfRange(hello, 0, half), Arrays.copyOfRange(hello, half, hello.length)};
    }

    private static byte[] garbage(int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }

    /** Sends each packet as its own write, then times the whole response from the last write. */
    private static long exchange(CensorProxy proxy, byte[]... packets) throws Exception {
        try (Socket client = RelayTest.connect(proxy)) {
            client.setTcpNoDelay(true);
            OutputStream out = client.getOutputStream();
            for (int i = 0; i < packets.length; i++) {
                if (i > 0) {
                    Thread.sleep(150);
                }
                out.write(packets[i]);
                out.flush();
            }
            long start = System.nanoTime();
            byte[] response = client.getInputStream().readNBytes(RESPONSE_BYTES);
            long elapsed = System.nanoTime() - start;
            assertThat(response).hasSize(RESPONSE_BYTES);
            return elapsed;
        }
    }
}
