package dev.censorsim.messenger;

import dev.censorsim.messenger.vpn.VpnEndpoint;
import dev.censorsim.messenger.vpn.VpnKind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the messenger server's UDP endpoint and a VPN endpoint listen, so a script can name them in advance. */
class MessengerServerPortsTest {

    @Test
    void fixedTcpPortShouldGiveCallsTheSameUdpPort() throws Exception {
        int port = portFreeForTcpAndUdp();
        MessengerServerOptions options = MessengerServerOptions.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .names(List.of("g.whatsapp.net")).build();
        try (MessengerServer server = MessengerServer.start(options)) {
            assertThat(server.address().getPort()).isEqualTo(port);
            assertThat(server.mediaAddress().getPort()).as("UDP on the TCP port").isEqualTo(port);
        }
    }

    @Test
    void portZeroShouldLetTheSystemChooseEach() throws Exception {
        MessengerServerOptions options = MessengerServerOptions.builder().names(List.of("g.whatsapp.net")).build();
        try (MessengerServer server = MessengerServer.start(options)) {
            assertThat(server.address().getPort()).isPositive();
            assertThat(server.mediaAddress().getPort()).isPositive();
        }
    }

    @Test
    void vpnEndpointShouldListenWhereItIsTold() throws Exception {
        int port = portFreeForTcpAndUdp();
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        try (VpnEndpoint endpoint = VpnEndpoint.start(VpnKind.WIREGUARD, target, null, null,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            assertThat(endpoint.address().getPort()).isEqualTo(port);
        }
    }

    private static int portFreeForTcpAndUdp() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        port))) {
                    return port;
                } catch (IOException taken) {
                    // that number is held on UDP: try another
                }
            }
        }
        throw new IOException("no port free for both TCP and UDP on loopback");
    }
}
