package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Each policy mechanism over real loopback sockets, driven by a scripted one-rule policy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowControlTest {

    @Test
    void resetShouldReachClientAsConnectionReset() throws Exception {
        RecordingListener records = new RecordingListener();
        ScriptedPolicy policy = ScriptedPolicy.always(TestActions.reset());
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, policy, records)) {
            // The verdict is taken at connect time, so the RST may already beat connect() back to the caller.
            Throwable failure = catchThrowable(() -> {
                try (Socket client = RelayTest.connect(proxy)) {
                    client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    client.getInputStream().read();
                }
            });

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.RESET);
            assertThat(record.ruleName()).isEqualTo("test-rule");
            assertThat(policy.hits.get()).isEqualTo(1);
        }
    }

    @Test
    void contentResetShouldDropHeldBytesAndCountThem() throws Exception {
        RecordingListener records = new RecordingListener();
        AtomicLong serverBytes = new AtomicLong();
        LoopbackServer.Behaviour counting = socket -> serverBytes.addAndGet(socket.getInputStream().readAllBytes().length);
        ScriptedPolicy policy = ScriptedPolicy.onContent("content-reset", facts -> true, TestActions.reset());
        try (LoopbackServer server = LoopbackServer.start(counting);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .flowPolicy(policy.source()).listener(records).inspectionTimeout(Duration.ofMillis(200)).build());
             Socket client = RelayTest.connect(proxy)) {
            client.getOutputStream().write(new byte[517]);

            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord record = records.next(2_000);
            assertThat(record.toLogLine()).contains("rule=content-reset action=reset up=517B down=0B")
                    .endsWith("end=reset");
            assertThat(serverBytes.get()).as("held bytes never reach the server").isZero();
            assertThat(policy.bytesUp.get()).isEqualTo(517);
        }
    }

    @Test
    void contentBlackholeShouldKeepHeldBytesFromTheServer() throws Exception {
        AtomicLong serverBytes = new AtomicLong();
        LoopbackServer.Behaviour counting = socket -> {
            byte[] buffer = new byte[1024];
            int n;
            while ((n = socket.getInputStream().read(buffer)) > 0) {
                serverBytes.addAndGet(n);
            }
        };
        ScriptedPolicy policy = ScriptedPolicy.onContent("content-drop", facts -> true, TestActions.blackhole());
        try (LoopbackServer server = LoopbackServer.start(counting);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .flowPolicy(policy.source()).inspectionTimeout(Duration.ofMillis(100)).build());
             Socket client = RelayTest.connect(proxy)) {
            client.setSoTimeout(600);
            client.getOutputStream().write(new byte[300]);

            Throwable silence = catchThrowable(() -> client.getInputStream().read());
            client.getOutputStream().write(new byte[300]);
            Thread.sleep(200);

            assertThat(silence).isInstanceOf(SocketTimeoutException.class);
            assertThat(policy.hits.get()).isEqualTo(1);
            assertThat(serverBytes.get()).as("the server sees the handshake but no data").isZero();
        }
    }

    @Test
    @SuppressWarnings("try") // closes a resource early on purpose: that is what ends the flow
    void blackholeShouldDeliverNothingAndKeepTheConnectionOpen() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, ScriptedPolicy.always(TestActions.blackhole()), records);
             Socket client = RelayTest.connect(proxy)) {
            client.setSoTimeout(700);
            client.getOutputStream().write(new byte[4096]);

            Throwable silence = catchThrowable(() -> client.getInputStream().read());
            client.getOutputStream().write(new byte[16]);

            assertThat(silence).as("no byte, no FIN, no RST: the read times out").isInstanceOf(SocketTimeoutException.class);
            assertThat(client.isClosed()).isFalse();
            proxy.close();
            assertThat(records.next(2_000).end()).isEqualTo(FlowEnd.BLACKHOLED);
        }
    }

    @Test
    @SuppressWarnings("try") // closes a resource early on purpose: that is what ends the flow
    void freezeShouldForwardExactlyTheAllowanceThenNothing() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(200_000, 7));
             CensorProxy proxy = start(server, ScriptedPolicy.always(TestActions.freezeAfter(16_000)), records);
             Socket client = RelayTest.connect(proxy)) {
            // The server speaks first; its first bytes can take seconds on a loaded machine (the test server's thread
            // and the JIT start cold: measured 1.5-3 s at load average 25-37 on 2 cores, on NIO and epoll alike), so
            // "frozen" is judged by a silence of 1 s after bytes have flowed, not by 1 s from the connect.
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[8192];
            long received = 0;
            Throwable end = null;
            while (end == null) {
                try {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    received += n;
                    client.setSoTimeout(1_000);
                } catch (SocketTimeoutException e) {
                    end = e;
                }
            }

            assertThat(received).isEqualTo(16_000);
            assertThat(end).as("frozen, not closed").isInstanceOf(SocketTimeoutException.class);
            proxy.close();
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.FROZEN);
            assertThat(record.bytesDown()).as("the censor saw at least the allowance").isGreaterThanOrEqualTo(16_000);
        }
    }

    @Test
    void delayShouldAddLatencyBothWays() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy direct = start(echo, ScriptedPolicy.always(TestActions.action("none", f -> { })), null);
             CensorProxy delayed = start(echo, ScriptedPolicy.always(TestActions.delay(Direction.BOTH, 60, 0, 1)),
                     null);
             Socket fast = RelayTest.connect(direct);
             Socket slow = RelayTest.connect(delayed)) {
            long baseline = medianRoundTripNanos(fast, 5);
            long withDelay = medianRoundTripNanos(slow, 5);

            assertThat(withDelay - baseline).as("60 ms each way")
                    .isBetween(Duration.ofMillis(115).toNanos(), Duration.ofMillis(160).toNanos());
        }
    }

    @Test
    void delayWithJitterShouldNeverReorderBytes() throws Exception {
        int messages = 2_000;
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, ScriptedPolicy.always(TestActions.delay(Direction.UP, 5, 30, 99)), null);
             Socket client = RelayTest.connect(proxy)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    DataOutputStream out = new DataOutputStream(client.getOutputStream());
                    for (int i = 0; i < messages; i++) {
                        out.writeInt(i);
                        out.flush();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            DataInputStream in = new DataInputStream(client.getInputStream());
            for (int i = 0; i < messages; i++) {
                assertThat(in.readInt()).isEqualTo(i);
            }
            writer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void finShouldFollowShapedAndDelayedBytesNotOvertakeThem() throws Exception {
        RecordingListener records = new RecordingListener();
        ScriptedPolicy policy = ScriptedPolicy.always(TestActions.action("throttle+delay", flow -> {
            flow.shape(Direction.DOWN, dev.censorsim.policy.TokenBucket.forRate(1_000_000));
            flow.delay(Direction.DOWN, 30_000_000, 10_000_000, 5);
        }));
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(300_000, 13));
             CensorProxy proxy = start(server, policy, records);
             Socket client = RelayTest.connect(proxy)) {
            dev.censorsim.testing.Payload.Digest got =
                    dev.censorsim.testing.Payload.readAll(client.getInputStream());
            client.shutdownOutput();

            assertThat(got.bytes()).isEqualTo(300_000);
            assertThat(got.sha256()).isEqualTo(dev.censorsim.testing.Payload.expectedSha256(300_000, 13));
            assertThat(records.next(5_000).end()).isEqualTo(FlowEnd.SERVER_CLOSED);
        }
    }

    @Test
    void serverSpeakingFirstShouldTriggerTheVerdictWithoutClientBytes() throws Exception {
        LoopbackServer.Behaviour banner = socket -> {
            socket.getOutputStream().write("220 ready\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getInputStream().readAllBytes();
        };
        ScriptedPolicy policy = ScriptedPolicy.onContent("content-rule", facts -> true,
                TestActions.action("observe", f -> { }));
        try (LoopbackServer server = LoopbackServer.start(banner);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .flowPolicy(policy.source()).build());
             Socket client = RelayTest.connect(proxy)) {
            long start = System.nanoTime();
            byte[] line = client.getInputStream().readNBytes(11);

            assertThat(new String(line, StandardCharsets.US_ASCII)).isEqualTo("220 ready\r\n");
            assertThat(System.nanoTime() - start).as("no wait for the inspection timeout")
                    .isLessThan(Duration.ofSeconds(2).toNanos());
            assertThat(policy.hits.get()).isEqualTo(1);
        }
    }

    @Test
    void heldClientBytesShouldBeForwardedAfterInspectionTimeout() throws Exception {
        ScriptedPolicy policy = ScriptedPolicy.onContent("content-rule", facts -> true,
                TestActions.action("observe", f -> { }));
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .flowPolicy(policy.source()).inspectionTimeout(Duration.ofMillis(300)).build());
             Socket client = RelayTest.connect(proxy)) {
            // Two bytes that no classifier can call complete: only the timeout can release them.
            client.getOutputStream().write(new byte[] {0x16, 0x03});

            byte[] echoed = client.getInputStream().readNBytes(2);

            assertThat(echoed).containsExactly(0x16, 0x03);
            assertThat(policy.hits.get()).isEqualTo(1);
            assertThat(policy.lastFacts().classification().protocol())
                    .isEqualTo(dev.censorsim.classify.Protocol.UNKNOWN);
        }
    }

    @Test
    void inspectionShouldHoldAtMostMaxBytesBeforeDeciding() throws Exception {
        int size = 3 * dev.censorsim.classify.InspectionSettings.DEFAULT_MAX_BYTES;
        ScriptedPolicy policy = ScriptedPolicy.onContent("content-rule", facts -> true,
                TestActions.action("observe", f -> { }));
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .flowPolicy(policy.source()).inspectionTimeout(Duration.ofSeconds(20)).build());
             Socket client = RelayTest.connect(proxy)) {
            byte[] data = new byte[size];
            new java.util.SplittableRandom(3).nextBytes(data);
            long start = System.nanoTime();
            client.getOutputStream().write(data);

            byte[] echoed = client.getInputStream().readNBytes(size);

            assertThat(echoed).isEqualTo(data);
            assertThat(System.nanoTime() - start).as("decided on the byte limit, not the 20 s timeout")
                    .isLessThan(Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void ruleCountersShouldCountHitAndBytes() throws Exception {
        RecordingListener records = new RecordingListener();
        ScriptedPolicy policy = ScriptedPolicy.always(TestActions.action("observe", f -> { }));
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, policy, records);
             Socket client = RelayTest.connect(proxy)) {
            client.getOutputStream().write(new byte[1000]);
            client.shutdownOutput();
            client.getInputStream().readAllBytes();
            FlowRecord record = records.next(5_000);

            assertThat(policy.hits.get()).isEqualTo(1);
            assertThat(policy.bytesUp.get()).isEqualTo(1000);
            assertThat(policy.bytesDown.get()).isEqualTo(1000);
            assertThat(record.toLogLine()).contains("rule=test-rule action=observe up=1000B down=1000B");
        }
    }

    private static long medianRoundTripNanos(Socket socket, int samples) throws IOException {
        long[] rtts = new long[samples];
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            socket.getOutputStream().write(i);
            if (socket.getInputStream().read() != i) {
                throw new IOException("echo mismatch");
            }
            rtts[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(rtts);
        return rtts[samples / 2];
    }

    static CensorProxy start(LoopbackServer server, ScriptedPolicy policy, FlowListener listener)
            throws IOException {
        return CensorProxy.start(ProxyOptions.forward(server.address()).flowPolicy(policy.source())
                .listener(listener == null ? FlowListener.NOOP : listener).build());
    }
}
