package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Policy swaps land while flows move megabytes each way. Flows whose verdicts only shape or delay must arrive byte
 * for byte; flows thrown between black hole, freeze and reset may fail, but nothing may leak a buffer (the suite runs
 * with paranoid leak detection) or log a warning, and every flow must leave the registry.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SwapStressTest {

    private static final int KEEPERS = 4;
    private static final int VICTIMS = 4;
    /** Enough that a quiet 2-core box still sees dozens of swaps before the echo completes. */
    private static final long KEEPER_BYTES = 16L << 20;
    private static final int MAX_SWAPS = 400;

    @Test
    void swapsDuringBulkTransferShouldLeakNothingAndKeepShapedFlowsIntact() throws Exception {
        assumeThat(InternalLoggerFactory.getDefaultFactory()).as("leaks are caught through java.util.logging")
                .isInstanceOf(JdkLoggerFactory.class);
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger netty = Logger.getLogger("io.netty");
        Logger ours = Logger.getLogger("dev.censorsim");
        netty.addHandler(capture);
        ours.addHandler(capture);
        try {
            runStress();
            // Paranoid detection reports a leak when a later allocation finds the collected buffer's tracker.
            for (int round = 0; round < 3; round++) {
                System.gc();
                Thread.sleep(50);
                for (int i = 0; i < 200; i++) {
                    ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(64);
                    probe.release();
                }
            }
        } finally {
            netty.removeHandler(capture);
            ours.removeHandler(capture);
        }
        assertThat(warnings).extracting(r -> r.getLoggerName() + ": " + r.getMessage()).isEmpty();
    }

    private static void runStress() throws Exception {
        Set<Integer> victimPorts = ConcurrentHashMap.newKeySet();
        List<FlowPolicy> phases = phases(victimPorts);
        SwitchablePolicy source = new SwitchablePolicy(phases.get(0));
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = ReevaluationTest.start(echo, source, null)) {
            List<Socket> victims = new ArrayList<>();
            for (int i = 0; i < VICTIMS; i++) {
                Socket victim = RelayTest.connect(proxy);
                victimPorts.add(victim.getLocalPort());
                victims.add(victim);
            }
            List<CompletableFuture<Payload.Digest>> keepers = new ArrayList<>();
            List<Socket> keeperSockets = new ArrayList<>();
            for (int i = 0; i < KEEPERS; i++) {
                Socket keeper = RelayTest.connect(proxy);
                keeperSockets.add(keeper);
                keepers.add(echoInBackground(keeper, KEEPER_BYTES, 100 + i));
            }
            List<CompletableFuture<Void>> victimTraffic = new ArrayList<>();
            for (Socket victim : victims) {
                victimTraffic.add(noiseInBackground(victim));
            }
            CompletableFuture<Void> allKeepers = CompletableFuture.allOf(keepers.toArray(new CompletableFuture[0]));
            int swaps = 0;
            while (!allKeepers.isDone() && swaps < MAX_SWAPS) {
                swaps++;
                source.switchTo(phases.get(swaps % phases.size()), proxy);
                // Short, uneven gaps: in a warm JVM the four transfers finish in about 100 ms (measured: 8-9 swaps
                // with 5-15 ms gaps in the full suite, 24-27 alone), and the test needs swaps to land inside them.
                Thread.sleep(1 + swaps % 5);
            }
            source.switchTo(phases.get(phases.size() - 1), proxy);
            allKeepers.get(60, TimeUnit.SECONDS);

            for (int i = 0; i < KEEPERS; i++) {
                assertThat(keepers.get(i).get().bytes()).isEqualTo(KEEPER_BYTES);
                assertThat(keepers.get(i).get().sha256()).as("keeper %d byte-exact after %d swaps", i, swaps)
                        .isEqualTo(Payload.expectedSha256(KEEPER_BYTES, 100 + i));
            }
            assertThat(swaps).as("swaps landed during the transfer").isGreaterThan(10);
            System.out.printf("swap stress: %d swaps during %d x %d MiB echo, %d victim flows%n", swaps, KEEPERS,
                    KEEPER_BYTES >> 20, VICTIMS);
            for (Socket s : keeperSockets) {
                s.close();
            }
            for (Socket s : victims) {
                s.close();
            }
            CompletableFuture.allOf(victimTraffic.toArray(new CompletableFuture[0])).get(20, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.liveFlows() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(proxy.liveFlows()).as("every flow left the registry").isZero();
        }
    }

    /**
     * Each phase gives keepers a verdict that loses no data and victims one that may; the last phase resets the
     * victims. A new policy object per phase, so every swap is a change.
     */
    private static List<FlowPolicy> phases(Set<Integer> victimPorts) {
        List<TcpAction> keeperActions = List.of(
                TestActions.action("none", f -> { }),
                TestActions.throttle(Direction.BOTH, 200_000_000),
                TestActions.delay(Direction.BOTH, 2, 3, 7),
                TestActions.throttle(Direction.DOWN, 40_000_000),
                TestActions.delay(Direction.UP, 1, 0, 9));
        List<TcpAction> victimActions = List.of(
                TestActions.blackhole(),
                TestActions.action("none", f -> { }),
                TestActions.freezeAfter(30_000),
                TestActions.throttle(Direction.UP, 1_000_000),
                TestActions.blackhole(),
                TestActions.reset());
        List<FlowPolicy> phases = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            TcpAction keeper = keeperActions.get(i % keeperActions.size());
            TcpAction victim = victimActions.get(i % (victimActions.size() - 1));
            phases.add(new SplitPolicy(victimPorts, keeper, victim));
        }
        phases.add(new SplitPolicy(victimPorts, keeperActions.get(0),
                victimActions.get(victimActions.size() - 1)));
        return phases;
    }

    /** Writes {@code bytes} of payload and reads the echo back at the same time; returns what came back. */
    private static CompletableFuture<Payload.Digest> echoInBackground(Socket socket, long bytes, long seed) {
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                Payload.write(socket.getOutputStream(), bytes, seed);
                socket.shutdownOutput();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, daemonThread());
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Payload.readAll(socket.getInputStream());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, daemonThread()).thenCombine(writer, (digest, ignored) -> digest);
    }

    /** Writes and reads whatever it can until the socket fails or is closed; victims are expected to break. */
    private static CompletableFuture<Void> noiseInBackground(Socket socket) {
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            byte[] block = new byte[8192];
            try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; i < 2_000; i++) {
                    out.write(block);
                }
            } catch (IOException expected) {
                // reset, or closed by the test
            }
        }, daemonThread());
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            byte[] block = new byte[8192];
            try {
                InputStream in = socket.getInputStream();
                while (in.read(block) >= 0) {
                    // discard
                }
            } catch (IOException expected) {
                // reset, timeout in a black hole, or closed by the test
            }
        }, daemonThread());
        return CompletableFuture.allOf(writer, reader);
    }

    private static java.util.concurrent.Executor daemonThread() {
        return task -> {
            Thread t = new Thread(task, "swap-stress-io");
            t.setDaemon(true);
            t.start();
        };
    }
}
