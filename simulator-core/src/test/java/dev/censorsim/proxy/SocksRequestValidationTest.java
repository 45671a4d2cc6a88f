package dev.censorsim.proxy;

import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SOCKS5 requests a library client would not send, answered with the RFC 1928 §6 reply that fits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocksRequestValidationTest {

    private static final int HOST_UNREACHABLE = 0x04;
    private static final int ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

    @Test
    void unknownAddressTypeShouldGetReplyEight() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            // VER 5, CMD CONNECT, RSV, ATYP 0x05 (undefined), then bytes the proxy cannot know the length of.
            client.getOutputStream().write(new byte[] {5, 1, 0, 5, 1, 2, 3, 4, 0, 80});
            DataInputStream in = new DataInputStream(client.getInputStream());
            assertThat(in.readUnsignedByte()).isEqualTo(5);
            assertThat(in.readUnsignedByte()).isEqualTo(ADDRESS_TYPE_NOT_SUPPORTED);
            in.readFully(new byte[8]); // RSV, ATYP IPv4, 0.0.0.0, port 0
            assertThat(in.read()).as("closed after the reply").isEqualTo(-1);
        }
    }

    @Test
    void emptyHostNameShouldBeRefusedAndNotConnectedToLocalhost() throws Exception {
        RecordingListener records = new RecordingListener();
        try (ServerSocket localService = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().listener(records).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            assertThat(Socks5Client.connectDomain(client, "", localService.getLocalPort()))
                    .isEqualTo(HOST_UNREACHABLE);
            localService.setSoTimeout(500);
            assertThatThrownBy(localService::accept).as("nothing connected to localhost")
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(records.next(5_000).detail()).isEqualTo("empty host name");
        }
    }

    @Test
    void remoteClientsShouldNotReachLoopbackTargets() throws Exception {
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 40000);
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40000);

        assertThat(SocksFrontendHandler.permitsTarget(remote, new InetSocketAddress("127.0.0.1", 6379))).isFalse();
        assertThat(SocksFrontendHandler.permitsTarget(remote, new InetSocketAddress("127.8.9.10", 22))).isFalse();
        assertThat(SocksFrontendHandler.permitsTarget(remote,
                new InetSocketAddress(InetAddress.getByName("::1"), 6379))).isFalse();
        assertThat(SocksFrontendHandler.permitsTarget(remote,
                new InetSocketAddress(InetAddress.getByName("::ffff:127.0.0.1"), 6379)))
                .as("IPv4-mapped loopback").isFalse();
        assertThat(SocksFrontendHandler.permitsTarget(remote,
                new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 6379))).as("wildcard reaches loopback")
                .isFalse();
        assertThat(SocksFrontendHandler.permitsTarget(remote, new InetSocketAddress("198.51.100.1", 443))).isTrue();
        assertThat(SocksFrontendHandler.permitsTarget(local, new InetSocketAddress("127.0.0.1", 6379)))
                .as("a loopback client is this host's own user").isTrue();
    }
}
