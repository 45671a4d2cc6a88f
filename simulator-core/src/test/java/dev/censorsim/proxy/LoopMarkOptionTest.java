package dev.censorsim.proxy;

import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a backend on loopback sees as its client's address: the hop-counting {@code 127.67.83.1} by default, the
 * target's own loopback address with {@code loopMark(false)} ({@code --no-loop-mark}). Real sockets over loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopMarkOptionTest {

    @Test
    void tcpBackendShouldSeeTheMarkedSourceByDefault() throws Exception {
        assertThat(tcpPeerSeenByBackend(ProxyOptions.Builder::build)).isEqualTo("127.67.83.1");
    }

    @Test
    void tcpBackendShouldSeeTheTargetsOwnLoopbackAddressWithoutLoopMark() throws Exception {
        assertThat(tcpPeerSeenByBackend(b -> b.loopMark(false).build())).isEqualTo("127.0.0.1");
    }

    @Test
    void udpServerShouldSeeTheMarkedSenderByDefault() throws Exception {
        assertThat(udpSenderSeenByServer(UdpRelayOptions.Builder::build)).isEqualTo("127.67.83.1");
    }

    @Test
    void udpServerShouldSeeTheTargetsOwnLoopbackAddressWithoutLoopMark() throws Exception {
        assertThat(udpSenderSeenByServer(b -> b.loopMark(false).build())).isEqualTo("127.0.0.1");
    }

    @Test
    void labForwardShouldConnectFromTheTargetsOwnLoopbackAddressWithoutLoopMark() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            InetSocketAddress listen = new InetSocketAddress("127.0.0.1", LoopDetectionTest.freePort());
            try (Lab lab = Lab.start(new LabOptions().loopMark(false).forward(new LabOptions.Forward("db", listen,
                    new InetSocketAddress("127.0.0.1", backend.getLocalPort()), false)));
                 Socket client = new Socket()) {
                backend.setSoTimeout(20_000);
                client.connect(listen, 5_000);
                client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                try (Socket accepted = backend.accept()) {
                    assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo("127.0.0.1");
                }
            }
        }
    }

    @Test
    void optionsShouldMarkByDefault() {
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", 9);
        assertThat(ProxyOptions.forward(target).build().loopMark()).isTrue();
        assertThat(ProxyOptions.socks().build().loopMark()).isTrue();
        assertThat(UdpRelayOptions.forward(target).build().loopMark()).isTrue();
    }

    @Test
    void arrivalAtTheHopLimitShouldStillBeRefusedWithoutLoopMark() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(
                             new InetSocketAddress("127.0.0.1", backend.getLocalPort()))
                     .loopMark(false).build());
             Socket client = new Socket()) {
            // A connection from 127.67.83.8 has gone through eight censorsim hops already: refused, not relayed.
            client.bind(new InetSocketAddress("127.67.83." + LoopGuard.MAX_HOPS, 0));
            int read;
            try {
                // The proxy accepts and resets at once: the reset can reach the connect, the write or the read.
                client.connect(proxy.localAddress(), 5_000);
                client.setSoTimeout(20_000);
                client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                read = client.getInputStream().read();
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            assertThat(read).as("refused: closed or reset, nothing relayed").isEqualTo(-1);
            backend.setSoTimeout(1_000);
            assertThat(acceptsNothing(backend)).as("the backend got no connection").isTrue();
        }
    }

    private interface Build<B, O> {
        O apply(B builder);
    }

    private static String tcpPeerSeenByBackend(Build<ProxyOptions.Builder, ProxyOptions> build) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             CensorProxy proxy = CensorProxy.start(build.apply(ProxyOptions.forward(
                     new InetSocketAddress("127.0.0.1", backend.getLocalPort()))));
             Socket client = new Socket()) {
            backend.setSoTimeout(20_000);
            client.connect(proxy.localAddress(), 5_000);
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            try (Socket accepted = backend.accept()) {
                return accepted.getInetAddress().getHostAddress();
            }
        }
    }

    private static String udpSenderSeenByServer(Build<UdpRelayOptions.Builder, UdpRelayOptions> build)
            throws Exception {
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             UdpRelay relay = UdpRelay.start(build.apply(UdpRelayOptions.forward(
                     (InetSocketAddress) server.getLocalSocketAddress())));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            server.setSoTimeout(20_000);
            byte[] payload = "ping".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(payload, payload.length, relay.localAddress()));
            DatagramPacket received = new DatagramPacket(new byte[64], 64);
            server.receive(received);
            assertThat(new String(received.getData(), 0, received.getLength(), StandardCharsets.US_ASCII))
                    .isEqualTo("ping");
            return received.getAddress().getHostAddress();
        }
    }

    private static boolean acceptsNothing(ServerSocket backend) throws Exception {
        try (Socket unexpected = backend.accept()) {
            return false;
        } catch (java.net.SocketTimeoutException expected) {
            return true;
        }
    }
}
