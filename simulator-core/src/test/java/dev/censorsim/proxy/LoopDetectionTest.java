package dev.censorsim.proxy;

import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A proxy must never connect to its own listener: one flow would become thousands. */
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

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
