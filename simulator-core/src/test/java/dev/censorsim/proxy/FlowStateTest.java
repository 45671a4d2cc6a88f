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
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The 4-tuple state table over real sockets: a second connection bound to the same client port (SO_REUSEADDR)
 * inherits the first one's throttle without a ClientHello; after {@code state-timeout} of quiet the 4-tuple is
 * unknown again, and a throttled connection that is still open continues at full rate.
 *
 * <p>Timing: 48 KB at 256 kbit/s (32 KB/s) takes 1.5 s; unthrottled on loopback it takes milliseconds. The bounds
 * (over 1 s, under 0.5 s) leave room for a loaded 2-core box.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FlowStateTest {

    private static final int RESPONSE_BYTES = 48 * 1024;
    private static final long THROTTLED_AT_LEAST_NANOS = TimeUnit.MILLISECONDS.toNanos(1_000);
    private static final long FULL_RATE_AT_MOST_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final byte[] PLAIN_REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final String POLICY = """
            rules:
              - name: throttle-sni
                match: { sni: [throttled.example] }
                action: { type: throttle, rate: 256kbit, direction: down }
                state-timeout: %s
            """;

    /** Answers each connection's first bytes with {@link #RESPONSE_BYTES}, then reads until the client leaves. */
    private static final LoopbackServer.Behaviour ANSWER = socket -> {
        InputStream in = socket.getInputStream();
        if (in.read(new byte[4096]) < 0) {
            return;
        }
        socket.getOutputStream().write(new byte[RESPONSE_BYTES]);
        drain(in);
    };

    @Test
    void connectionOnSameFourTupleShouldInheritTheThrottleWithoutAHello() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(ANSWER);
             CensorProxy proxy = start(server, POLICY.formatted("10s"), records)) {
            int port;
            try (Socket first = bound(0)) {
                port = first.getLocalPort();
                first.connect(proxy.localAddress(), 2_000);
                assertThat(timeResponse(first, hello())).as("the SNI is throttled")
                        .isGreaterThan(THROTTLED_AT_LEAST_NANOS);
                first.setSoLinger(true, 0); // a RST: the box's state survives it
            }
            assertThat(records.next(5_000).action()).isEqualTo("throttle 256 kbit/s down per flow");

            try (Socket second = bound(port)) {
                second.connect(proxy.localAddress(), 2_000);
                assertThat(timeResponse(second, PLAIN_REQUEST)).as("no ClientHello, but the same 4-tuple")
                        .isGreaterThan(THROTTLED_AT_LEAST_NANOS);
                second.setSoLinger(true, 0);
            }
            FlowRecord inherited = records.next(5_000);
            assertThat(inherited.ruleName()).isEqualTo("throttle-sni");
            assertThat(inherited.action()).isEqualTo("kept throttle 256 kbit/s down per flow");

            try (Socket other = bound(0)) {
                other.connect(proxy.localAddress(), 2_000);
                assertThat(timeResponse(other, PLAIN_REQUEST)).as("another client port is another 4-tuple")
                        .isLessThan(FULL_RATE_AT_MOST_NANOS);
            }
        }
    }

    @Test
    void stateShouldBeForgottenAfterItsTimeout() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(ANSWER);
             CensorProxy proxy = start(server, POLICY.formatted("1s"), new RecordingListener())) {
            int port;
            try (Socket first = bound(0)) {
                port = first.getLocalPort();
                first.connect(proxy.localAddress(), 2_000);
                assertThat(timeResponse(first, hello())).isGreaterThan(THROTTLED_AT_LEAST_NANOS);
                first.setSoLinger(true, 0);
            }

            Thread.sleep(1_500);

            try (Socket second = bound(port)) {
                second.connect(proxy.localAddress(), 2_000);
                assertThat(timeResponse(second, PLAIN_REQUEST)).as("the 4-tuple is unknown again")
                        .isLessThan(FULL_RATE_AT_MOST_NANOS);
            }
        }
    }

    @Test
    void throttledFlowShouldContinueAtFullRateOnceItsStateExpired() throws Exception {
        LoopbackServer.Behaviour answerPauseAnswer = socket -> {
            InputStream in = socket.getInputStream();
            if (in.read(new byte[4096]) < 0) {
                return;
            }
            socket.getOutputStream().write(new byte[8 * 1024]);
            try {
                Thread.sleep(2_500); // quiet for longer than the 1 s state timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            socket.getOutputStream().write(new byte[RESPONSE_BYTES]);
            socket.shutdownOutput();
            drain(in);
        };
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(answerPauseAnswer);
             CensorProxy proxy = start(server, POLICY.formatted("1s"), records);
             Socket client = bound(0)) {
            client.connect(proxy.localAddress(), 2_000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write(hello());
            InputStream in = client.getInputStream();
            assertThat(in.readNBytes(8 * 1024)).hasSize(8 * 1024);
            assertThat(in.read()).as("the first byte after the pause").isZero();

            long start = System.nanoTime();
            assertThat(in.readNBytes(RESPONSE_BYTES)).hasSize(RESPONSE_BYTES - 1);
            long elapsed = System.nanoTime() - start;

            assertThat(elapsed).as("full rate once the state expired").isLessThan(FULL_RATE_AT_MOST_NANOS);
            client.shutdownOutput();
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).as("not closed by the expiry").isEqualTo(FlowEnd.SERVER_CLOSED);
            assertThat(record.action()).isEqualTo("pass");
            assertThat(record.earlierVerdicts()).singleElement().asString()
                    .startsWith("throttle-sni: throttle 256 kbit/s down per flow until")
                    .endsWith("(state expired after 1s idle)");
        }
    }

    @Test
    void tableShouldStayWithinItsCapacityUnderAFlood() {
        FlowStateTable table = new FlowStateTable(8);
        FlowVerdict verdict = new FlowVerdict("r", new dev.censorsim.policy.action.ResetAction(),
                FlowVerdict.Counters.NONE, TimeUnit.MINUTES.toNanos(10));
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", 443);
        long now = System.nanoTime();
        for (int port = 1; port <= 20_000; port++) {
            table.remember(new InetSocketAddress("127.0.0.1", port), server, verdict, now);
        }

        assertThat(table.size()).isEqualTo(8);
        assertThat(table.lookup(new InetSocketAddress("127.0.0.1", 1), server, now)).as("the oldest went").isNull();
        assertThat(table.lookup(new InetSocketAddress("127.0.0.1", 20_000), server, now)).isNotNull();
        assertThat(table.lookup(new InetSocketAddress("127.0.0.1", 20_000), server,
                now + TimeUnit.MINUTES.toNanos(11))).as("expired").isNull();
    }

    @Test
    void badStateTimeoutShouldBeAnErrorAtItsLine() {
        assertThatThrownBy(() -> PolicyLoader.parse(POLICY.formatted("soon"), "state.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("state.yaml:5:");
    }

    @Test
    void policyWideStateTimeoutShouldApplyToRulesWithoutOne() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                dpi: { state-timeout: 10m }
                rules:
                  - name: a
                    match: { sni: [a.example] }
                    action: { type: reset }
                  - name: b
                    match: { sni: [b.example] }
                    action: { type: reset }
                    state-timeout: 0s
                """, "state.yaml");

        assertThat(policy.rules().get(0).stateTimeoutNanos()).isEqualTo(TimeUnit.MINUTES.toNanos(10));
        assertThat(policy.rules().get(1).stateTimeoutNanos()).isZero();
    }

    private static CensorProxy start(LoopbackServer server, String policy, RecordingListener records)
            throws Exception {
        CompiledPolicy compiled = PolicyLoader.parse(policy, "state.yaml");
        return CensorProxy.start(ProxyOptions.forward(server.address()).policy(new PolicyHolder(compiled))
                .listener(records).build());
    }

    /** An unconnected client socket bound to {@code port} on 127.0.0.1 (0: any) with SO_REUSEADDR. */
    private static Socket bound(int port) throws IOException {
        Socket socket = new Socket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return socket;
    }

    private static byte[] hello() {
        return TlsMessages.clientHello("throttled.example", List.of("h2"), false, new Random(3));
    }

    /** Sends {@code request} and returns how long the whole response took to arrive. */
    private static long timeResponse(Socket client, byte[] request) throws IOException {
        client.setSoTimeout(10_000);
        long start = System.nanoTime();
        client.getOutputStream().write(request);
        byte[] response = client.getInputStream().readNBytes(RESPONSE_BYTES);
        assertThat(response).hasSize(RESPONSE_BYTES);
        return System.nanoTime() - start;
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[4096];
        try {
            while (in.read(buffer) >= 0) {
                // until the client leaves
            }
        } catch (IOException clientReset) {
            // the tests end their connections with a RST on purpose
        }
    }
}
