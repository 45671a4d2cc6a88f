package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Flows that relay nothing for the idle timeout are closed with a FIN toward both sides, and the log says "idle". */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTimeoutTest {

    @Test
    void blackholedFlowShouldCloseWithFinAfterTheIdleTimeout() throws Exception {
        RecordingListener records = new RecordingListener();
        CompletableFuture<Integer> serverSaw = new CompletableFuture<>();
        LoopbackServer.Behaviour waitForEof = socket -> serverSaw.complete(socket.getInputStream().read());
        try (LoopbackServer server = LoopbackServer.start(waitForEof);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .flowPolicy(ScriptedPolicy.always(TestActions.blackhole()).source())
                     .idleTimeout(Duration.ofMillis(400)).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            long start = System.nanoTime();
            client.getOutputStream().write(new byte[100]);

            int first = client.getInputStream().read();
            long closedAfter = System.nanoTime() - start;

            assertThat(first).as("a FIN, not an RST or data").isEqualTo(-1);
            assertThat(closedAfter).isBetween(Duration.ofMillis(350).toNanos(), Duration.ofSeconds(3).toNanos());
            assertThat(serverSaw.get(2, TimeUnit.SECONDS)).as("the server gets a FIN too").isEqualTo(-1);
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.IDLE);
            assertThat(record.toLogLine()).contains("end=idle (nothing relayed for ").endsWith("while blackholed)");
            assertThat(proxy.liveFlows()).isZero();
        }
    }

    @Test
    void frozenFlowShouldCloseAfterTheIdleTimeoutOnceItsAllowanceIsSpent() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(100_000, 3));
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .flowPolicy(ScriptedPolicy.always(TestActions.freezeAfter(16_000)).source())
                     .idleTimeout(Duration.ofMillis(400)).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[8192];
            long received = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                received += n;
            }

            assertThat(received).isEqualTo(16_000);
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.IDLE);
            assertThat(record.detail()).endsWith("while frozen");
        }
    }

    @Test
    void activeShapedFlowShouldOutliveTheIdleTimeout() throws Exception {
        RecordingListener records = new RecordingListener();
        long bytes = 60_000;
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(bytes, 5));
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .flowPolicy(ScriptedPolicy.always(TestActions.throttle(Direction.DOWN, 320_000)).source())
                     .idleTimeout(Duration.ofMillis(300)).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            // 60 kB at 40 kB/s: 1.5 s of steady trickle, five idle timeouts long, never idle for one.
            byte[] all = client.getInputStream().readAllBytes();
            client.shutdownOutput();

            assertThat(all).hasSize((int) bytes);
            assertThat(records.next(2_000).end()).isEqualTo(FlowEnd.SERVER_CLOSED);
        }
    }

    @Test
    void passFlowShouldStayOpenUnlessAPassIdleTimeoutIsSet() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy lenient = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .idleTimeout(Duration.ofMillis(200)).build());
             CensorProxy strict = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .passIdleTimeout(Duration.ofMillis(200)).listener(records).build());
             Socket kept = RelayTest.connect(lenient);
             Socket expired = RelayTest.connect(strict)) {
            Thread.sleep(600);

            kept.getOutputStream().write(9);
            assertThat(kept.getInputStream().read()).as("the censored-flow timeout does not touch pass flows")
                    .isEqualTo(9);
            assertThat(expired.getInputStream().read()).isEqualTo(-1);
            assertThat(records.next(2_000).end()).isEqualTo(FlowEnd.IDLE);
        }
    }

    @Test
    void flowStuckOnAClientThatNeverReadsShouldStillBeClosed() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(64L << 20, 8));
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                     .passIdleTimeout(Duration.ofMillis(300)).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            // The client reads nothing: the proxy's write toward it never completes, so a FIN cannot be queued
            // behind it; the grace period ends the flow anyway.
            FlowRecord record = records.next(15_000);

            assertThat(record.end()).isEqualTo(FlowEnd.IDLE);
            assertThat(record.bytesDown()).as("kernel buffers filled, then nothing moved").isPositive();
            assertThat(proxy.liveFlows()).isZero();
        }
    }

    @Test
    void zeroShouldDisableTheIdleTimeout() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .flowPolicy(ScriptedPolicy.always(TestActions.delay(Direction.UP, 1, 0, 1)).source())
                     .idleTimeout(Duration.ZERO).build());
             Socket client = RelayTest.connect(proxy)) {
            Thread.sleep(300);
            client.getOutputStream().write(4);

            assertThat(client.getInputStream().read()).isEqualTo(4);
        }
    }
}
