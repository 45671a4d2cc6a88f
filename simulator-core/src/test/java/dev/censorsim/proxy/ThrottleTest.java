package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Throttle accuracy (elapsed time against bytes / rate, ±5%) and memory bounds, over real loopback sockets.
 * Elapsed time runs from the first to the last byte received, and the bytes counted exclude the first read, so the
 * initial bucket burst and connection setup do not flatter the figure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThrottleTest {

    private static final double TOLERANCE = 0.05;

    @Test
    void downstreamThrottleShouldHoldFourMegabitsPerSecond() throws Exception {
        assertDownstreamRate(4_000_000, 3);
    }

    @Test
    void downstreamThrottleShouldHoldHundredMegabitsPerSecond() throws Exception {
        assertDownstreamRate(100_000_000, 3);
    }

    private static void assertDownstreamRate(long rateBits, int seconds) throws Exception {
        long bytes = rateBits / 8 * seconds;
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(bytes, 3));
             CensorProxy proxy = FlowControlTest.start(server,
                     ScriptedPolicy.always(TestActions.throttle(Direction.DOWN, rateBits)), null);
             Socket client = RelayTest.connect(proxy)) {
            double measured = measureReceiveRateBitsPerSecond(client.getInputStream(), bytes);

            report("throttle down", rateBits, measured);
            assertThat(measured).isCloseTo(rateBits, within(rateBits * TOLERANCE));
        }
    }

    @Test
    void upstreamThrottleShouldHoldSixtyFourKilobitsPerSecond() throws Exception {
        long rateBits = 64_000;
        long bytes = rateBits / 8 * 5;
        CompletableFuture<Double> serverRate = new CompletableFuture<>();
        LoopbackServer.Behaviour measuringSink = socket -> {
            serverRate.complete(measureReceiveRateBitsPerSecond(socket.getInputStream(), bytes));
        };
        try (LoopbackServer server = LoopbackServer.start(measuringSink);
             CensorProxy proxy = FlowControlTest.start(server,
                     ScriptedPolicy.always(TestActions.throttle(Direction.UP, rateBits)), null);
             Socket client = RelayTest.connect(proxy)) {
            Payload.write(client.getOutputStream(), bytes, 5);
            client.shutdownOutput();

            double measured = serverRate.get(20, TimeUnit.SECONDS);

            report("throttle up", rateBits, measured);
            assertThat(measured).isCloseTo(rateBits, within(rateBits * TOLERANCE));
        }
    }

    @Test
    void linkBucketShouldCapTheSumOfConcurrentFlows() throws Exception {
        long linkBits = 8_000_000;
        long perFlowBytes = linkBits / 8 * 3 / 2;
        TokenBucket linkDown = TokenBucket.forRate(linkBits / 8);
        ScriptedPolicy policy = ScriptedPolicy.always(TestActions.action("observe", f -> { }))
                .link(null, linkDown);
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(perFlowBytes, 9));
             CensorProxy proxy = FlowControlTest.start(server, policy, null);
             Socket a = RelayTest.connect(proxy);
             Socket b = RelayTest.connect(proxy)) {
            long start = System.nanoTime();
            CompletableFuture<Long> readA = CompletableFuture.supplyAsync(() -> drain(a));
            CompletableFuture<Long> readB = CompletableFuture.supplyAsync(() -> drain(b));
            long total = readA.get(30, TimeUnit.SECONDS) + readB.get(30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(total).isEqualTo(2 * perFlowBytes);
            report("link down, 2 flows", linkBits, total * 8 / seconds);
            assertThat(total * 8 / seconds).as("two flows share one 8 Mbit/s link")
                    .isCloseTo(linkBits, within(linkBits * TOLERANCE));
        }
    }

    @Test
    void nonReadingClientShouldStallTheServerInsteadOfFillingTheProxy() throws Exception {
        assertServerStallsBehindNonReadingClient(ScriptedPolicy.always(TestActions.action("observe", f -> { })));
    }

    @Test
    void delayLineShouldStayBoundedBehindNonReadingClient() throws Exception {
        assertServerStallsBehindNonReadingClient(
                ScriptedPolicy.always(TestActions.delay(Direction.DOWN, 10, 0, 1)));
    }

    private static void assertServerStallsBehindNonReadingClient(ScriptedPolicy policy) throws Exception {
        AtomicLong written = new AtomicLong();
        LoopbackServer.Behaviour firehose = socket -> {
            OutputStream out = socket.getOutputStream();
            byte[] block = new byte[64 * 1024];
            while (written.get() < (1L << 30)) {
                out.write(block);
                written.addAndGet(block.length);
            }
        };
        try (LoopbackServer server = LoopbackServer.start(firehose);
             CensorProxy proxy = FlowControlTest.start(server, policy, null);
             Socket client = new Socket()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(proxy.localAddress(), 2_000);
            long previous = -1;
            long current = written.get();
            // Wait until the server's writes stop making progress: the back-pressure has reached it.
            for (int i = 0; i < 40 && current != previous; i++) {
                Thread.sleep(250);
                previous = current;
                current = written.get();
            }

            System.out.printf("non-reading client (%s): server stalled after %d bytes%n",
                    policy.lastFacts() == null ? "?" : "policy", current);
            assertThat(current).as("the server stalls").isEqualTo(previous);
            // Kernel buffers on both hops (a few MB each on loopback) plus at most one read chunk or the delay
            // line's 1 MiB high-water mark: anything near the 1 GiB the server wanted to send means no back-pressure.
            assertThat(current).as("bytes accepted from the server while the client reads nothing")
                    .isLessThan(32L << 20);
        }
    }

    private static void report(String what, long targetBits, double measuredBits) {
        System.out.printf("%s: target %d bit/s, measured %.0f bit/s (%+.2f%%)%n", what, targetBits, measuredBits,
                (measuredBits - targetBits) * 100 / targetBits);
    }

    private static long drain(Socket socket) {
        try {
            return socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads exactly {@code bytes}; the rate counts every byte after the first read over the time since it. */
    static double measureReceiveRateBitsPerSecond(InputStream in, long bytes) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int first = in.read(buffer);
        if (first <= 0) {
            throw new IOException("no data");
        }
        long start = System.nanoTime();
        long total = first;
        while (total < bytes) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("EOF after " + total + " of " + bytes + " bytes");
            }
            total += n;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return (total - first) * 8 / seconds;
    }
}
