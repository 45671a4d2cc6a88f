package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import dev.censorsim.units.Direction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The relay's {@code splice(2)} path ({@link SplicePump}): a bulk flow that is passed untouched moves through a pipe
 * without entering the JVM, byte for byte and counted as any other; a flow whose action handles its bytes never does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpliceRelayTest {

    @Test
    void bulkPassedFlowShouldBeSplicedAndStayByteExact() throws Exception {
        assumeTrue(Transport.current() == Transport.EPOLL, "splice(2) needs the native epoll transport");
        long size = 32L << 20;
        RecordingListener records = new RecordingListener();
        long before = SplicePump.splicedTotal();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            CompletableFuture<String> sent = RelayTest.sendThenHalfClose(client, size, 7);
            Payload.Digest received = Payload.readAll(client.getInputStream());

            assertThat(received.bytes()).isEqualTo(size);
            assertThat(received.sha256()).as("echoed bytes equal what was sent")
                    .isEqualTo(sent.get(30, TimeUnit.SECONDS));
            FlowRecord record = records.next(5_000);
            assertThat(record.bytesUp()).as("spliced bytes are counted as read ones").isEqualTo(size);
            assertThat(record.bytesDown()).isEqualTo(size);
            long spliced = SplicePump.splicedTotal() - before;
            System.out.printf("spliced %d of %d bytes relayed (%.0f%%)%n", spliced, 2 * size,
                    100.0 * spliced / (2 * size));
            // Each direction reads until a chunk of 16 KiB or more arrives, then splices while the bulk lasts.
            assertThat(spliced).as("bytes moved by splice(2)").isGreaterThan(size / 2);
        }
    }

    @Test
    void closedProxiesShouldLeaveNoPipeOpen() throws Exception {
        assumeTrue(Transport.current() == Transport.EPOLL, "splice(2) needs the native epoll transport");
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            relayOnce(echo, 4L << 20); // the JVM's own descriptors (classes, loggers) settle first
            long before = openDescriptors();
            long splicedBefore = SplicePump.splicedTotal();
            for (int i = 0; i < 10; i++) {
                relayOnce(echo, 4L << 20);
            }
            assertThat(SplicePump.splicedTotal() - splicedBefore).as("the flows spliced").isPositive();
            // Each proxy's event loop threads close their pipe as they end, just after the proxy's close returns.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (openDescriptors() > before + 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(openDescriptors()).as("open descriptors after 10 proxies that spliced, against before")
                    .isLessThanOrEqualTo(before + 4);
        }
    }

    private static void relayOnce(LoopbackServer echo, long size) throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).build());
             Socket client = RelayTest.connect(proxy)) {
            CompletableFuture<String> sent = RelayTest.sendThenHalfClose(client, size, 11);
            assertThat(Payload.readAll(client.getInputStream()).sha256()).isEqualTo(sent.get(30, TimeUnit.SECONDS));
        }
    }

    private static long openDescriptors() throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(java.nio.file.Path.of(
                "/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void throttledFlowShouldNeverBeSpliced() throws Exception {
        assumeTrue(Transport.current() == Transport.EPOLL, "splice(2) needs the native epoll transport");
        long bytes = 4L << 20;
        long before = SplicePump.splicedTotal();
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(bytes, 3));
             CensorProxy proxy = FlowControlTest.start(server,
                     ScriptedPolicy.always(TestActions.throttle(Direction.DOWN, 200_000_000)), null);
             Socket client = RelayTest.connect(proxy)) {
            Payload.Digest received = Payload.readAll(client.getInputStream());

            assertThat(received.bytes()).isEqualTo(bytes);
            assertThat(SplicePump.splicedTotal() - before).as("a shaped direction's bytes go through the JVM")
                    .isZero();
        }
    }
}
