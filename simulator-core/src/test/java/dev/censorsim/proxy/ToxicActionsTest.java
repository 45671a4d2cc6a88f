package dev.censorsim.proxy;

import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The Toxiproxy-style actions ({@code slow-close}, {@code stall}, {@code reset-peer}, {@code slicer},
 * {@code limit-data}), their {@code direction}/{@code toxicity} wrapper and {@code chain}, each written in a policy
 * file and measured over real loopback sockets. Timing bounds: a timer never fires early, so lower bounds allow 10 ms
 * for clock and timer granularity; upper bounds are generous because six builds share two cores.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToxicActionsTest {

    /** Lower-bound slack for timer and clock granularity. */
    private static final long SLACK_MILLIS = 10;

    @Test
    void slowCloseShouldHoldTheFinBackByItsDelay() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(1_000, 1));
             CensorProxy proxy = start(server, "{ type: slow-close, delay: 300ms, direction: down }");
             Socket client = RelayTest.connect(proxy)) {
            long start = System.nanoTime();
            byte[] all = client.getInputStream().readAllBytes();
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(all).hasSize(1_000);
            assertThat(elapsedMillis).as("the FIN waits 300 ms after the last byte")
                    .isGreaterThanOrEqualTo(300 - SLACK_MILLIS).isLessThan(3_000);
        }
    }

    @Test
    void stallShouldForwardNothingAndCloseWithAFinAfterItsTimeout() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(talkThenWait());
             CensorProxy proxy = start(server, "{ type: stall, close-after: 400ms, direction: down }", records);
             Socket client = RelayTest.connect(proxy)) {
            long start = System.nanoTime();
            int first = client.getInputStream().read();
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(first).as("EOF, not data and not a reset").isEqualTo(-1);
            assertThat(elapsedMillis).isGreaterThanOrEqualTo(400 - SLACK_MILLIS).isLessThan(4_000);
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.POLICY_CLOSED);
            assertThat(record.toLogLine()).contains("action=stall, close after 400ms down");
        }
    }

    @Test
    void stallWithoutTimeoutShouldKeepTheConnectionOpenAndSilent() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(talkThenWait());
             CensorProxy proxy = start(server, "{ type: stall, direction: down }");
             Socket client = RelayTest.connect(proxy)) {
            client.setSoTimeout(700);

            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(failure).as("no data, no FIN, no RST for as long as we wait")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void resetPeerShouldSendARealRstItsDelayAfterTheFirstData() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, "{ type: reset-peer, after: 250ms, direction: down }", records);
             Socket client = RelayTest.connect(proxy)) {
            Thread.sleep(300); // idle: nothing triggers the reset yet
            long start = System.nanoTime();
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));

            Throwable failure = catchThrowable(() -> client.getInputStream().read());
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            assertThat(elapsedMillis).as("the RST comes 250 ms after the echo reached the proxy")
                    .isGreaterThanOrEqualTo(250 - SLACK_MILLIS).isLessThan(3_000);
            assertThat(records.next(2_000).end()).isEqualTo(FlowEnd.RESET);
        }
    }

    @Test
    void slicerShouldDeliverTheStreamInSmallSpacedSegments() throws Exception {
        int total = 20_000;
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(total, 4));
             CensorProxy proxy = start(server,
                     "{ type: slicer, average-size: 100, size-variation: 20, delay: 2ms, direction: down }");
             Socket client = RelayTest.connect(proxy)) {
            InputStream in = client.getInputStream();
            List<Integer> reads = new ArrayList<>();
            byte[] buffer = new byte[64 * 1024];
            long start = System.nanoTime();
            int n;
            while ((n = in.read(buffer)) > 0) {
                reads.add(n);
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(reads.stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
            // Recursive halving leaves segments of at most average + variation = 120 bytes; 20 000 bytes is then at
            // least 167 segments, 2 ms apart. A reader descheduled under load may see two at once, hence 90%.
            long small = reads.stream().filter(r -> r <= 120).count();
            assertThat(reads).as("one read per segment").hasSizeGreaterThanOrEqualTo(167 * 9 / 10);
            assertThat(small).as("reads of one segment").isGreaterThanOrEqualTo(reads.size() * 9L / 10);
            assertThat(elapsedMillis).as("166 gaps of 2 ms").isGreaterThanOrEqualTo(166 * 2 - SLACK_MILLIS);
        }
    }

    @Test
    void limitDataShouldForwardExactlyItsBytesThenCloseWithAFin() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(200_000, 5));
             CensorProxy proxy = start(server, "{ type: limit-data, bytes: 10kb, direction: down }", records);
             Socket client = RelayTest.connect(proxy)) {
            byte[] all = client.getInputStream().readAllBytes();

            assertThat(all).as("exactly 10 000 bytes, then EOF").hasSize(10_000);
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.POLICY_CLOSED);
            assertThat(record.toLogLine()).contains("data limit reached down");
        }
    }

    @Test
    void limitDataUpstreamShouldLeaveTheOtherDirectionAlone() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(100_000, 6));
             CensorProxy proxy = start(server, "{ type: limit-data, bytes: 10, direction: up }");
             Socket client = RelayTest.connect(proxy)) {
            client.shutdownOutput();

            assertThat(client.getInputStream().readAllBytes()).hasSize(100_000);
        }
    }

    @Test
    void toxicityZeroShouldSpareEveryConnection() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(100_000, 7));
             CensorProxy proxy = start(server, "{ type: limit-data, bytes: 10, toxicity: 0% }")) {
            for (int i = 0; i < 3; i++) {
                try (Socket client = RelayTest.connect(proxy)) {
                    client.shutdownOutput();
                    assertThat(client.getInputStream().readAllBytes()).hasSize(100_000);
                }
            }
        }
    }

    @Test
    void chainShouldApplyEveryActionToTheSameFlow() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(100_000, 8));
             CensorProxy proxy = start(server, """
                     { type: chain, actions: [
                         { type: delay, latency: 200ms, direction: down },
                         { type: limit-data, bytes: 5000, direction: down } ] }""");
             Socket client = RelayTest.connect(proxy)) {
            long start = System.nanoTime();
            InputStream in = client.getInputStream();
            int first = in.read();
            long firstByteMillis = (System.nanoTime() - start) / 1_000_000;
            byte[] rest = in.readAllBytes();

            assertThat(first).isNotEqualTo(-1);
            assertThat(firstByteMillis).isGreaterThanOrEqualTo(200 - SLACK_MILLIS);
            assertThat(1 + rest.length).isEqualTo(5_000);
        }
    }

    @Test
    void swapShouldGiveALiveFlowItsNewToxics() throws Exception {
        int port;
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            port = echo.address().getPort();
            PolicyHolder holder = new PolicyHolder(PolicyLoader.parse("rules: []\n", "empty.yaml"));
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).policy(holder).build());
                 Socket client = RelayTest.connect(proxy)) {
                client.getOutputStream().write(1);
                assertThat(client.getInputStream().read()).isEqualTo(1);

                holder.swap(policy(port, "{ type: reset-peer, direction: up }"));
                proxy.reevaluate().get(5, TimeUnit.SECONDS);
                client.getOutputStream().write(2);

                Throwable failure = catchThrowable(() -> client.getInputStream().read());
                assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            }
        }
    }

    /** Writes 50 000 bytes, then keeps its side open until the client's EOF (an EOF would end a stall at once). */
    private static LoopbackServer.Behaviour talkThenWait() {
        return socket -> {
            socket.getOutputStream().write(new byte[50_000]);
            socket.getInputStream().readAllBytes();
        };
    }

    private static CensorProxy start(LoopbackServer server, String action) throws Exception {
        return start(server, action, FlowListener.NOOP);
    }

    private static CensorProxy start(LoopbackServer server, String action, FlowListener listener) throws Exception {
        return CensorProxy.start(ProxyOptions.forward(server.address())
                .policy(new PolicyHolder(policy(server.address().getPort(), action)))
                .listener(listener).idleTimeout(Duration.ZERO).build());
    }

    private static dev.censorsim.policy.CompiledPolicy policy(int port, String action) throws Exception {
        return PolicyLoader.parse("""
                rules:
                  - name: toxic
                    match: { port: [%d] }
                    action: %s
                """.formatted(port, action.replace("\n", " ")), "toxic.yaml");
    }
}
