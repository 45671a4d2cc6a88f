package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import dev.censorsim.testing.Curl;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Socks5Client;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.censorsim.testing.SocketReads.drainUntilClosed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A proxy must never connect to its own listener, directly or through other proxies of the process: one flow would
 * become thousands.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopDetectionTest {

    private static final int FORBIDDEN = 0x02;

    @Test
    void forwardProxyShouldRefuseToStartWhenItsUpstreamIsItsOwnListenAddress() throws Exception {
        int port = freePort();
        InetSocketAddress self = new InetSocketAddress("127.0.0.1", port);

        assertThatThrownBy(() -> CensorProxy.start(ProxyOptions.forward(self).listen(self).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("own listen address").hasMessageContaining("127.0.0.1:" + port);
        // Nothing stays bound after the refusal.
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void wildcardListenersShouldBeReachedByAnyLocalAddressOnTheirPort() throws Exception {
        InetSocketAddress any4 = new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 1080);
        InetSocketAddress any6 = new InetSocketAddress(InetAddress.getByName("::"), 1080);
        InetSocketAddress loop4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1080);
        InetSocketAddress loop6 = new InetSocketAddress(InetAddress.getByName("::1"), 1080);

        assertThat(ProxyRuntime.reaches(loop4, any4)).isTrue();
        assertThat(ProxyRuntime.reaches(loop4, any6)).as("an IPv6 wildcard listener is dual-stack").isTrue();
        assertThat(ProxyRuntime.reaches(loop6, any6)).isTrue();
        assertThat(ProxyRuntime.reaches(loop6, any4)).as("an IPv4 listener takes no IPv6").isFalse();
        assertThat(ProxyRuntime.reaches(any4, loop4)).as("connecting to 0.0.0.0 reaches a local listener").isTrue();
        assertThat(ProxyRuntime.reaches(new InetSocketAddress("127.0.0.1", 1081), any4)).isFalse();
        assertThat(ProxyRuntime.reaches(new InetSocketAddress("127.0.0.2", 1080), loop4))
                .as("another loopback address is another listener").isFalse();
        assertThat(ProxyRuntime.reaches(new InetSocketAddress("192.0.2.1", 1080), any4))
                .as("a remote address with the same port is not this host").isFalse();
    }

    @Test
    void socksConnectToTheProxyItselfShouldBeRefused() throws Exception {
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().listener(records).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            assertThat(Socks5Client.request(client, Socks5Client.CMD_CONNECT, proxy.localAddress()))
                    .isEqualTo(FORBIDDEN);
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).isEqualTo(FlowEnd.REFUSED);
            assertThat(record.detail()).contains("own listen address");
        }
    }

    @Test
    void udpRelayShouldRefuseToStartWhenItsUpstreamIsItsOwnListenAddress() throws Exception {
        int port = freeUdpPort();
        InetSocketAddress self = new InetSocketAddress("127.0.0.1", port);

        assertThatThrownBy(() -> UdpRelay.start(UdpRelayOptions.forward(self).listen(self)
                .policy(new PolicyHolder(CompiledPolicy.empty())).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("own listen address").hasMessageContaining("127.0.0.1:" + port);
        try (DatagramSocket again = new DatagramSocket(self)) {
            assertThat(again.getLocalPort()).as("nothing stays bound after the refusal").isEqualTo(port);
        }
    }

    @Test
    void twoProxiesPointingAtEachOtherShouldFailOneCurlAfterAFewConnections() throws Exception {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", freePort());
        InetSocketAddress b = new InetSocketAddress("127.0.0.1", freePort());
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxyA = CensorProxy.start(ProxyOptions.forward(b).listen(a).listener(records).build());
             CensorProxy proxyB = CensorProxy.start(ProxyOptions.forward(a).listen(b).listener(records).build())) {
            ProcessResult curl = Curl.run("http://127.0.0.1:" + a.getPort() + "/");

            assertThat(curl.exitCode()).as("curl fails: %s", curl).isNotZero();
            List<FlowRecord> seen = drain(records, 3, 2_000);
            assertThat(seen).as("curl -> A -> B, then A refuses B's connection: three flows, no more")
                    .hasSize(3);
            // On epoll B's flow can end refused too (its upstream connect sees A's reset before it completes), so
            // the loop's refusal is picked by its detail: there must be exactly one, naming the whole path.
            assertThat(seen).filteredOn(r -> r.end() == FlowEnd.REFUSED && r.detail() != null
                            && r.detail().startsWith("loop")).singleElement()
                    .satisfies(r -> assertThat(r.detail())
                            .contains(FlowRecord.format(a) + " -> " + FlowRecord.format(b) + " -> "
                                    + FlowRecord.format(a)));
            awaitClosed(proxyA);
            awaitClosed(proxyB);
        }
    }

    @Test
    void socksConnectThatComesBackThroughAnotherProxyShouldBeCutAtTheSocksListener() throws Exception {
        RecordingListener records = new RecordingListener();
        try (CensorProxy socks = CensorProxy.start(ProxyOptions.socks().listener(records).build());
             CensorProxy forward = CensorProxy.start(ProxyOptions.forward(socks.localAddress())
                     .listener(records).build());
             Socket client = Socks5Client.open(socks.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            // SOCKS reaches the port-forward, which forwards to the SOCKS listener again.
            Socks5Client.request(client, Socks5Client.CMD_CONNECT, forward.localAddress());
            client.setSoTimeout(10_000);
            client.getOutputStream().write(5);

            assertThat(drainUntilClosed(client)).as("the client's connection ends with nothing relayed").isZero();
            // The end may come as a FIN (half-close): the SOCKS flow ends, and reports, once the client closes too.
            client.close();
            List<FlowRecord> seen = drain(records, 3, 2_000);
            assertThat(seen).hasSize(3);
            // The SOCKS listener's cut is the one record that names the loop. The port-forward's record of the same
            // connection is refused too when the cut's RST beats its connect completion (seen on epoll), or an error.
            assertThat(seen).filteredOn(r -> r.detail() != null && r.detail().startsWith("loop:")).singleElement()
                    .satisfies(r -> assertThat(r.end()).isEqualTo(FlowEnd.REFUSED))
                    .satisfies(r -> assertThat(r.detail()).contains(FlowRecord.format(socks.localAddress()) + " -> "
                            + FlowRecord.format(forward.localAddress()) + " -> "
                            + FlowRecord.format(socks.localAddress())));
            awaitClosed(socks);
            awaitClosed(forward);
        }
    }

    @Test
    void socksReplyShouldNameTheConnectedSourceAddressOfAnUpstreamBoundFirst() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            byte[] target = echo.address().getAddress().getAddress();
            client.getOutputStream().write(new byte[] {5, 1, 0, 1, target[0], target[1], target[2], target[3],
                    (byte) (echo.address().getPort() >> 8), (byte) echo.address().getPort()});
            byte[] reply = client.getInputStream().readNBytes(10);

            // VER 5, REP 0, RSV, ATYP 1 (IPv4), BND.ADDR (RFC 1928 §6) the bound source 127.67.83.1 (one hop, see
            // LoopGuard): not the "::" of a wildcard bind.
            assertThat(reply).startsWith(5, 0, 0, 1, 127, 67, 83, 1);
            assertThat((reply[8] & 0xff) << 8 | reply[9] & 0xff).as("BND.PORT").isPositive();
        }
    }

    @Test
    void aChainThroughTwoProxiesOfOneProcessWithoutACycleShouldRelay() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy second = CensorProxy.start(ProxyOptions.forward(echo.address()).build());
             CensorProxy first = CensorProxy.start(ProxyOptions.forward(second.localAddress()).build());
             Socket client = new Socket()) {
            client.connect(first.localAddress(), 5_000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            byte[] back = client.getInputStream().readNBytes(4);

            assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("ping");
        }
    }

    @Test
    void twoUdpRelaysPointingAtEachOtherShouldStopTheDatagramAtItsSecondVisit() throws Exception {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", freeUdpPort());
        InetSocketAddress b = new InetSocketAddress("127.0.0.1", freeUdpPort());
        PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
        try (UdpRelay relayA = UdpRelay.start(UdpRelayOptions.forward(b).listen(a).policy(policy).build());
             UdpRelay relayB = UdpRelay.start(UdpRelayOptions.forward(a).listen(b).policy(policy).build());
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            byte[] payload = "one datagram".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(payload, payload.length, a));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (relayB.liveFlows() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // Without the guard each pass opens a new flow and socket in the other relay, without end.
            Thread.sleep(500);
            assertThat(relayA.liveFlows()).as("relay A: the client's flow only").isEqualTo(1);
            assertThat(relayB.liveFlows()).as("relay B: A's upstream socket only").isEqualTo(1);
        }
    }

    private static List<FlowRecord> drain(RecordingListener records, int expected, long quietMillis)
            throws InterruptedException {
        List<FlowRecord> seen = new ArrayList<>();
        for (int i = 0; i < expected; i++) {
            seen.add(records.next(10_000));
        }
        // Anything more within the quiet period is a loop that went on.
        try {
            while (seen.size() < 1_000) {
                seen.add(records.next(quietMillis));
            }
        } catch (AssertionError quiet) {
            return seen;
        }
        return seen;
    }

    private static void awaitClosed(CensorProxy proxy) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.openChannels() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proxy.openChannels()).as("sockets left open").isZero();
    }

    static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return s.getLocalPort();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
