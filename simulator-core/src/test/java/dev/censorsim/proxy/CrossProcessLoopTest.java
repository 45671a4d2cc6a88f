package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import dev.censorsim.testing.ForwardProxyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.censorsim.testing.SocketReads.drainUntilClosed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loops between two censorsim processes, bounded by the hop count that loopback upstream connections carry in their
 * source address (127.67.83.h, see {@link LoopGuard}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrossProcessLoopTest {

    @Test
    void twoProcessesForwardingToEachOtherShouldStopOneConnectionAfterTheHopLimit() throws Exception {
        int portA = LoopDetectionTest.freePort();
        int portB = LoopDetectionTest.freePort();
        RecordingListener recordsA = new RecordingListener();
        try (CensorProxy a = CensorProxy.start(ProxyOptions.forward(new InetSocketAddress("127.0.0.1", portB))
                .listen(new InetSocketAddress("127.0.0.1", portA)).listener(recordsA).build());
             Peer b = Peer.start("tcp", portB, portA)) {
            Path out = b.out;
            Path err = b.err;
            // One connection into process B: B -> A -> B -> ... each hop from the next marked source address.
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress("127.0.0.1", portB), 5_000);
                client.setSoTimeout(30_000);
                client.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(drainUntilClosed(client)).as("nothing comes back through a loop").isZero();
            }

            // B saw hops 0, 2, 4, 6 and refused 8; A saw 1, 3, 5, 7. Nine connections in all, then nothing more.
            List<String> flowsB = awaitFlowLines(out, 5, 30_000, b.process);
            List<FlowRecord> flowsA = new ArrayList<>();
            for (int i = 0; i < LoopGuard.MAX_HOPS / 2; i++) {
                flowsA.add(recordsA.next(30_000));
            }
            Thread.sleep(2_000);
            flowsB = flowLines(out);
            try {
                while (flowsA.size() < 100) {
                    flowsA.add(recordsA.next(200));
                }
            } catch (AssertionError quiet) {
                // No more records: the loop stopped.
            }
            assertThat(flowsA).as("process A's flows").hasSize(LoopGuard.MAX_HOPS / 2)
                    .noneMatch(r -> r.end() == FlowEnd.REFUSED);
            assertThat(flowsB).as("process B's flows").hasSize(LoopGuard.MAX_HOPS / 2 + 1);
            assertThat(flowsB).filteredOn(line -> line.startsWith("flow REFUSED")).singleElement().asString()
                    .contains("loop between processes").contains("went through 8 censorsim proxies")
                    .contains("127.67.83.8");
            String log = Files.readString(err, StandardCharsets.UTF_8);
            assertThat(log.lines().filter(l -> l.contains("loop between processes")).count())
                    .as("one log line names the loop: %s", log).isEqualTo(1);
            assertThat(log).contains("127.0.0.1:" + portB + ": loop between processes")
                    .contains("forwards to 127.0.0.1:" + portA);
        }
    }

    @Test
    void twoUdpRelaysInTwoProcessesShouldDropTheDatagramAtTheHopLimit() throws Exception {
        int portA = LoopDetectionTest.freeUdpPort();
        int portB = LoopDetectionTest.freeUdpPort();
        try (UdpRelay a = UdpRelay.start(UdpRelayOptions.forward(new InetSocketAddress("127.0.0.1", portB))
                .listen(new InetSocketAddress("127.0.0.1", portA)).policy(new PolicyHolder(CompiledPolicy.empty()))
                .build());
             Peer b = Peer.start("udp", portB, portA);
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            byte[] payload = "one datagram".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress("127.0.0.1", portB)));

            // B: the client's flow (hop 0) and A's at hops 2, 4, 6, dropping hop 8; A: B's at hops 1, 3, 5, 7.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(b.err, StandardCharsets.UTF_8).contains("loop between processes")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(1_000);
            // Without the hop count each pass opens a new flow in the other relay, without end.
            assertThat(a.liveFlows()).as("relay A's flows").isEqualTo(LoopGuard.MAX_HOPS / 2);
            String log = Files.readString(b.err, StandardCharsets.UTF_8);
            assertThat(log.lines().filter(l -> l.contains("loop between processes")).count())
                    .as("one log line names the loop: %s", log).isEqualTo(1);
            assertThat(log).contains("127.67.83.8").contains("forwards to 127.0.0.1:" + portA);
        }
    }

    @Test
    void connectionAtTheHopLimitShouldBeRefusedAndOneBelowItRelayedWithTheNextHop() throws Exception {
        AtomicReference<InetSocketAddress> seenByServer = new AtomicReference<>();
        RecordingListener records = new RecordingListener();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(
                     (InetSocketAddress) server.getLocalSocketAddress()).listener(records).build())) {
            Thread accept = new Thread(() -> {
                try (Socket s = server.accept()) {
                    seenByServer.set((InetSocketAddress) s.getRemoteSocketAddress());
                    s.getOutputStream().write('x');
                } catch (IOException closed) {
                    // The test failed elsewhere; the server socket was closed.
                }
            });
            accept.start();
            try (Socket below = from(LoopGuard.MAX_HOPS - 1, proxy.localAddress())) {
                below.getOutputStream().write('y');
                assertThat(below.getInputStream().read()).isEqualTo('x');
            }
            accept.join(10_000);
            assertThat(seenByServer.get().getAddress().getHostAddress()).as("the next hop")
                    .isEqualTo("127.67.83." + LoopGuard.MAX_HOPS);
            assertThat(records.next(10_000).end()).isNotEqualTo(FlowEnd.REFUSED);

            try (Socket atLimit = from(LoopGuard.MAX_HOPS, proxy.localAddress())) {
                atLimit.setSoTimeout(10_000);
                assertThat(drainUntilClosed(atLimit)).isZero();
            } catch (java.net.SocketException resetAtConnect) {
                // The refusal's reset reached the connect itself (a descheduled client thread): nothing was relayed.
                assertThat(resetAtConnect).hasMessageContaining("reset");
            }
            FlowRecord refused = records.next(10_000);
            assertThat(refused.end()).isEqualTo(FlowEnd.REFUSED);
            assertThat(refused.detail()).contains("loop between processes").contains("127.67.83.8");
        }
    }

    @Test
    void sourceAddressShouldCarryTheHopCountOnlyTowardsIpv4Loopback() throws Exception {
        LoopGuard.Path three = LoopGuard.Path.EMPTY.then(this, "x").withHops(3);
        InetSocketAddress v4 = new InetSocketAddress("127.0.0.1", 80);
        InetSocketAddress v6 = new InetSocketAddress("::1", 80);

        assertThat(LoopGuard.sourceFor(v4, LoopGuard.Path.EMPTY).getAddress().getHostAddress())
                .isEqualTo("127.67.83.1");
        assertThat(LoopGuard.sourceFor(v4, three).getAddress().getHostAddress()).isEqualTo("127.67.83.4");
        assertThat(LoopGuard.sourceFor(v6, three).getAddress().isAnyLocalAddress()).as("::1 is the only one").isTrue();
        assertThat(LoopGuard.sourceFor(new InetSocketAddress("192.0.2.1", 80), three)).as("remote: no bind").isNull();
        assertThat(LoopGuard.hopsOf(InetAddress.getByName("127.67.83.5"))).isEqualTo(5);
        assertThat(LoopGuard.hopsOf(InetAddress.getByName("127.0.0.5"))).isZero();
        assertThat(LoopGuard.hopsOf(InetAddress.getByName("10.67.83.5"))).isZero();
    }

    private static Socket from(int hops, InetSocketAddress target) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 67, 83, (byte) hops}), 0));
        socket.connect(target, 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** A {@link ForwardProxyProcess} in a JVM of its own; closing it ends its input, then waits for it to exit. */
    private static final class Peer implements AutoCloseable {

        final Process process;
        final Path out;
        final Path err;

        private Peer(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        static Peer start(String kind, int listenPort, int upstreamPort) throws Exception {
            Path out = Files.createTempFile("censorsim-peer", ".out");
            Path err = Files.createTempFile("censorsim-peer", ".err");
            String java = ProcessHandle.current().info().command().orElse("java");
            Peer peer;
            try {
                peer = new Peer(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                        ForwardProxyProcess.class.getName(), kind, Integer.toString(listenPort),
                        Integer.toString(upstreamPort))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
            } catch (IOException e) {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
                throw e;
            }
            try {
                awaitLine(out, "listening " + listenPort, 60_000, peer.process);
            } catch (Throwable e) {
                peer.close();
                throw e;
            }
            return peer;
        }

        @Override
        public void close() throws Exception {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    private static List<String> flowLines(Path out) throws IOException {
        return Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("flow ")).toList();
    }

    private static List<String> awaitFlowLines(Path out, int count, long millis, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        List<String> lines = flowLines(out);
        while (lines.size() < count && System.nanoTime() < deadline && process.isAlive()) {
            Thread.sleep(20);
            lines = flowLines(out);
        }
        return lines;
    }

    private static void awaitLine(Path out, String line, long millis, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!Files.readAllLines(out, StandardCharsets.UTF_8).contains(line)) {
            assertThat(process.isAlive()).as("the peer process is running").isTrue();
            assertThat(System.nanoTime()).as("'%s' within %d ms", line, millis).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
