package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

/**
 * A policy change reaches flows that are already relaying: each verdict transition over real loopback sockets. The
 * flows are classified at connect time (scripted policies match every flow), then switched by hand.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReevaluationTest {

    private static final FlowPolicy PASS = ScriptedPolicy.never();

    @Test
    void passToResetShouldSendRstToTheClientAndLogTheChange() throws Exception {
        RecordingListener records = new RecordingListener();
        SwitchablePolicy source = new SwitchablePolicy(PASS);
        ScriptedPolicy reset = ScriptedPolicy.always(TestActions.reset());
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, source, records);
             Socket client = RelayTest.connect(proxy)) {
            assertEcho(client, 1);

            source.switchTo(reset, proxy);
            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.RESET);
            assertThat(record.ruleName()).isEqualTo("test-rule");
            assertThat(record.earlierVerdicts()).singleElement().asString().startsWith("pass until ");
            assertThat(record.toLogLine()).contains("action=reset was=[pass until ");
            assertThat(reset.hits.get()).as("counted on the new rule").isEqualTo(1);
            assertThat(proxy.liveFlows()).as("an ended flow leaves the registry").isZero();
        }
    }

    @Test
    void passToThrottleShouldShapeFromTheSwapAndCountOnTheNewRule() throws Exception {
        long rateBits = 800_000;
        SwitchablePolicy source = new SwitchablePolicy(PASS);
        ScriptedPolicy throttle = ScriptedPolicy.always(TestActions.throttle(Direction.DOWN, rateBits));
        try (LoopbackServer server = LoopbackServer.start(onDemand());
             CensorProxy proxy = start(server, source, null);
             Socket client = RelayTest.connect(proxy)) {
            long fastNanos = timeRequest(client, 1_000_000);
            source.switchTo(throttle, proxy);
            // Drain the bucket's initial burst, then time a transfer that only the rate can explain.
            timeRequest(client, 50_000);
            long slowNanos = timeRequest(client, 200_000);

            double measuredBits = 200_000 * 8 / (slowNanos / 1e9);
            assertThat(fastNanos).as("1 MB unshaped").isLessThan(Duration.ofMillis(500).toNanos());
            assertThat(measuredBits).isCloseTo(rateBits, within(rateBits * 0.15));
            assertThat(throttle.hits.get()).isEqualTo(1);
            assertThat(throttle.bytesDown.get()).as("bytes after the swap count on the new rule")
                    .isEqualTo(250_000);
        }
    }

    @Test
    void throttleToPassShouldResumePausedReadsAtOnceWithDataIntact() throws Exception {
        long bytes = 400_000;
        SwitchablePolicy source = new SwitchablePolicy(
                ScriptedPolicy.always(TestActions.throttle(Direction.DOWN, 80_000)));
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(bytes, 21));
             CensorProxy proxy = start(server, source, null);
             Socket client = RelayTest.connect(proxy)) {
            CompletableFuture<Payload.Digest> download = CompletableFuture.supplyAsync(() -> {
                try {
                    return Payload.readAll(client.getInputStream());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(download).as("at 10 kB/s, 400 kB takes 40 s").isNotDone();

            long swapped = System.nanoTime();
            source.switchTo(PASS, proxy);
            Payload.Digest got = download.get(10, TimeUnit.SECONDS);

            assertThat(System.nanoTime() - swapped).as("the paused chunk was released by the swap, not its timer")
                    .isLessThan(Duration.ofSeconds(3).toNanos());
            assertThat(got.bytes()).isEqualTo(bytes);
            assertThat(got.sha256()).isEqualTo(Payload.expectedSha256(bytes, 21));
        }
    }

    @Test
    void passToBlackholeShouldDeliverNothingAndKeepTheConnectionOpen() throws Exception {
        AtomicLong serverBytes = new AtomicLong();
        SwitchablePolicy source = new SwitchablePolicy(PASS);
        try (LoopbackServer server = LoopbackServer.start(countingEcho(serverBytes));
             CensorProxy proxy = start(server, source, null);
             Socket client = RelayTest.connect(proxy)) {
            assertEcho(client, 1);

            source.switchTo(ScriptedPolicy.always(TestActions.blackhole()), proxy);
            client.setSoTimeout(500);
            client.getOutputStream().write(new byte[2048]);
            Throwable silence = catchThrowable(() -> client.getInputStream().read());

            assertThat(silence).as("no byte, no FIN, no RST").isInstanceOf(SocketTimeoutException.class);
            assertThat(serverBytes.get()).as("only the byte sent before the swap").isEqualTo(1);
            assertThat(proxy.liveFlows()).isEqualTo(1);
        }
    }

    @Test
    void blackholeToPassShouldDeliverWhatWasSentIntoTheHoleInOrderAsTcpWould() throws Exception {
        AtomicLong serverBytes = new AtomicLong();
        RecordingListener records = new RecordingListener();
        SwitchablePolicy source = new SwitchablePolicy(PASS);
        try (LoopbackServer server = LoopbackServer.start(countingEcho(serverBytes));
             CensorProxy proxy = start(server, source, records)) {
            try (Socket client = RelayTest.connect(proxy)) {
                client.setSoTimeout(5_000);
                assertEcho(client, 1);
                source.switchTo(ScriptedPolicy.always(TestActions.blackhole()), proxy);
                client.getOutputStream().write(new byte[] {2, 2, 2});
                Thread.sleep(300);
                assertThat(serverBytes.get()).as("nothing passes the black hole").isEqualTo(1);

                source.switchTo(PASS, proxy);
                byte[] echoed = client.getInputStream().readNBytes(3);
                assertThat(echoed).as("held, not dropped: a TCP stream never arrives with a gap")
                        .containsExactly(2, 2, 2);
                assertEcho(client, 3);

                assertThat(serverBytes.get()).isEqualTo(5);
                client.shutdownOutput();
                assertThat(client.getInputStream().read()).as("FIN passes again").isEqualTo(-1);
            }
            FlowRecord record = records.next(5_000);
            assertThat(record.bytesUp()).as("the censor received all 5 bytes").isEqualTo(5);
            assertThat(record.earlierVerdicts()).hasSize(2);
            assertThat(record.earlierVerdicts().get(1)).startsWith("test-rule: blackhole until ");
        }
    }

    @Test
    void passToFreezeShouldCountTheAllowanceFromTheSwap() throws Exception {
        SwitchablePolicy source = new SwitchablePolicy(PASS);
        try (LoopbackServer server = LoopbackServer.start(onDemand());
             CensorProxy proxy = start(server, source, null);
             Socket client = RelayTest.connect(proxy)) {
            timeRequest(client, 50_000);

            source.switchTo(ScriptedPolicy.always(TestActions.freezeAfter(16_000)), proxy);
            requestOnly(client, 50_000);
            client.setSoTimeout(700);

            assertThat(Payload.readUntilSilent(client.getInputStream())).isEqualTo(16_000);
        }
    }

    @Test
    void unchangedVerdictShouldKeepItsFreezeCountAndMoveItsCounters() throws Exception {
        TcpAction freeze = TestActions.freezeAfter(16_000);
        ScriptedPolicy before = ScriptedPolicy.always(freeze);
        ScriptedPolicy after = ScriptedPolicy.always(freeze);
        SwitchablePolicy source = new SwitchablePolicy(before);
        try (LoopbackServer server = LoopbackServer.start(onDemand());
             CensorProxy proxy = start(server, source, null);
             Socket client = RelayTest.connect(proxy)) {
            timeRequest(client, 10_000);

            source.switchTo(after, proxy);
            requestOnly(client, 10_000);
            client.setSoTimeout(700);

            assertThat(Payload.readUntilSilent(client.getInputStream())).as("16 000 allowed in all, 10 000 already used")
                    .isEqualTo(6_000);
            assertThat(after.hits.get()).isEqualTo(1);
            assertThat(after.bytesDown.get()).as("bytes after the swap count on the new policy's rule")
                    .isEqualTo(10_000);
            assertThat(before.bytesDown.get()).isEqualTo(10_000);
        }
    }

    @Test
    void delayShouldApplyFromTheSwapAndLiftWhenSwappedBack() throws Exception {
        SwitchablePolicy source = new SwitchablePolicy(PASS);
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, source, null);
             Socket client = RelayTest.connect(proxy)) {
            long direct = medianRoundTripNanos(client);
            source.switchTo(ScriptedPolicy.always(TestActions.delay(Direction.BOTH, 50, 0, 1)), proxy);
            long delayed = medianRoundTripNanos(client);
            source.switchTo(ScriptedPolicy.always(TestActions.delay(Direction.BOTH, 10, 0, 1)), proxy);
            long shorter = medianRoundTripNanos(client);
            source.switchTo(PASS, proxy);
            long lifted = medianRoundTripNanos(client);

            assertThat(delayed - direct).as("50 ms each way").isBetween(ms(95), ms(140));
            assertThat(shorter - direct).as("10 ms each way").isBetween(ms(18), ms(50));
            assertThat(lifted).as("back to loopback latency").isLessThan(ms(15));
        }
    }

    @Test
    void swapShouldReachFlowsOfAPolicyHolderWithoutAnExplicitCall() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            var holder = new dev.censorsim.policy.PolicyHolder(dev.censorsim.policy.CompiledPolicy.empty());
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).policy(holder)
                    .listener(records).build());
                 Socket client = RelayTest.connect(proxy)) {
                assertEcho(client, 1);

                holder.swap(lateReset(echo.address().getPort()));
                Throwable failure = catchThrowable(() -> client.getInputStream().read());

                assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
                assertThat(records.next(2_000).toLogLine()).contains("rule=late-reset action=reset was=[pass until ");
                assertThat(holder.current().rules().get(0).counters().flows()).isEqualTo(1);
            }
        }
    }

    @Test
    void optionOffShouldLeaveLiveFlowsOnTheirFirstVerdict() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            var holder = new dev.censorsim.policy.PolicyHolder(dev.censorsim.policy.CompiledPolicy.empty());
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).policy(holder)
                    .reevaluateOnSwap(false).build());
                 Socket client = RelayTest.connect(proxy)) {
                assertEcho(client, 1);

                holder.swap(lateReset(echo.address().getPort()));
                Thread.sleep(200);

                assertEcho(client, 2);
                assertThat(holder.current().rules().get(0).counters().flows()).isZero();
            }
        }
    }

    @Test
    void reevaluationWithoutASwapShouldLeaveFlowsAndCountersAlone() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(onDemand())) {
            var holder = new dev.censorsim.policy.PolicyHolder(dev.censorsim.policy.PolicyLoader.parse("""
                    rules:
                      - name: freeze-16k
                        match: { port: [%d] }
                        action: { type: freeze, after: 16kb }
                    """.formatted(server.address().getPort()), "freeze.yaml"));
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).policy(holder).build());
                 Socket client = RelayTest.connect(proxy)) {
                timeRequest(client, 10_000);

                proxy.reevaluate().get(5, TimeUnit.SECONDS);
                proxy.reevaluate().get(5, TimeUnit.SECONDS);
                requestOnly(client, 10_000);
                client.setSoTimeout(700);

                assertThat(Payload.readUntilSilent(client.getInputStream())).isEqualTo(6_000);
                assertThat(holder.current().rules().get(0).counters().flows()).as("counted once").isEqualTo(1);
            }
        }
    }

    @Test
    void flowStillBeingInspectedShouldTakeItsVerdictFromTheNewPolicy() throws Exception {
        RecordingListener records = new RecordingListener();
        SwitchablePolicy source = new SwitchablePolicy(
                ScriptedPolicy.onContent("old-observe", facts -> true, TestActions.action("observe", f -> { })));
        ScriptedPolicy reset = ScriptedPolicy.onContent("new-reset", facts -> true, TestActions.reset());
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).flowPolicy(source)
                     .inspectionTimeout(Duration.ofMillis(600)).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            // Two bytes of a TLS record header: the classifier waits for more, so the verdict is not taken yet.
            client.getOutputStream().write(new byte[] {0x16, 0x03});
            Thread.sleep(100);

            source.switchTo(reset, proxy);
            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord record = records.next(2_000);
            assertThat(record.ruleName()).isEqualTo("new-reset");
            assertThat(record.earlierVerdicts()).as("no verdict was taken before the swap").isEmpty();
            assertThat(reset.hits.get()).isEqualTo(1);
        }
    }

    // --- helpers ---

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }

    /** Reads a 4-byte count, answers with that many bytes; repeats until EOF. */
    static LoopbackServer.Behaviour onDemand() {
        return socket -> {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] block = new byte[16 * 1024];
            while (true) {
                int wanted;
                try {
                    wanted = in.readInt();
                } catch (java.io.EOFException eof) {
                    return;
                }
                while (wanted > 0) {
                    int n = Math.min(block.length, wanted);
                    socket.getOutputStream().write(block, 0, n);
                    wanted -= n;
                }
                socket.getOutputStream().flush();
            }
        };
    }

    private static LoopbackServer.Behaviour countingEcho(AtomicLong counter) {
        return socket -> {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                counter.addAndGet(n);
                socket.getOutputStream().write(buffer, 0, n);
            }
            socket.shutdownOutput();
        };
    }

    private static void requestOnly(Socket client, int bytes) throws IOException {
        DataOutputStream out = new DataOutputStream(client.getOutputStream());
        out.writeInt(bytes);
        out.flush();
    }

    private static long timeRequest(Socket client, int bytes) throws IOException {
        long start = System.nanoTime();
        requestOnly(client, bytes);
        byte[] got = client.getInputStream().readNBytes(bytes);
        if (got.length != bytes) {
            throw new IOException("short answer: " + got.length + " of " + bytes);
        }
        return System.nanoTime() - start;
    }

    /** A policy file whose one rule resets every flow to {@code port}: what a phase change swaps in. */
    private static dev.censorsim.policy.CompiledPolicy lateReset(int port) throws Exception {
        return dev.censorsim.policy.PolicyLoader.parse("""
                rules:
                  - name: late-reset
                    match: { port: [%d] }
                    action: { type: reset }
                """.formatted(port), "late.yaml");
    }

    private static void assertEcho(Socket client, int value) throws IOException {
        client.getOutputStream().write(value);
        assertThat(client.getInputStream().read()).isEqualTo(value);
    }

    private static long medianRoundTripNanos(Socket socket) throws IOException {
        long[] rtts = new long[5];
        for (int i = 0; i < rtts.length; i++) {
            long start = System.nanoTime();
            socket.getOutputStream().write(i);
            if (socket.getInputStream().read() != i) {
                throw new IOException("echo mismatch");
            }
            rtts[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(rtts);
        return rtts[rtts.length / 2];
    }

    static CensorProxy start(LoopbackServer server, SwitchablePolicy source, FlowListener listener)
            throws IOException {
        return CensorProxy.start(ProxyOptions.forward(server.address()).flowPolicy(source)
                .listener(listener == null ? FlowListener.NOOP : listener).build());
    }
}
