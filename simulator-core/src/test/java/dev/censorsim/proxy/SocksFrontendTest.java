package dev.censorsim.proxy;

import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocksFrontendTest {

    private static final int SUCCEEDED = 0x00;
    private static final int COMMAND_NOT_SUPPORTED = 0x07;
    private static final int CONNECTION_REFUSED = 0x05;
    private static final int NO_ACCEPTABLE_METHODS = 0xFF;
    private static final int SOCKS4_REJECTED = 0x5B;

    @Test
    void connectShouldRelayToIpv4Target() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.connect(proxy.localAddress(), echo.address())) {
            assertEchoes(client);
        }
    }

    @Test
    void connectShouldRelayToIpv6Target() throws Exception {
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        try (LoopbackServer echo = LoopbackServer.start(ipv6Loopback, LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.connect(proxy.localAddress(), echo.address())) {
            assertEchoes(client);
        }
    }

    @Test
    void proxyShouldListenOnIpv6Loopback() throws Exception {
        InetAddress ipv6Loopback = InetAddress.getByName("::1");
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks()
                     .listen(new InetSocketAddress(ipv6Loopback, 0)).build());
             Socket client = Socks5Client.connect(proxy.localAddress(), echo.address())) {
            assertThat(proxy.localAddress().getAddress()).isEqualTo(ipv6Loopback);
            assertEchoes(client);
        }
    }

    @Test
    @SuppressWarnings("try") // closes a resource early on purpose: that is what ends the flow
    void connectShouldResolveDomainTargetAndKeepTheName() throws Exception {
        RecordingListener records = new RecordingListener();
        ScriptedPolicy policy = ScriptedPolicy.always(TestActions.action("pass-through", flow -> { }));
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().flowPolicy(policy.source())
                     .listener(records).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            int reply = Socks5Client.connectDomain(client, "localhost", echo.address().getPort());
            assertThat(reply).isEqualTo(SUCCEEDED);
            assertEchoes(client);

            assertThat(policy.lastFacts().target()).as("policies see the name the client asked for")
                    .isEqualTo("localhost");
            assertThat(policy.lastFacts().server().getAddress().isLoopbackAddress()).isTrue();
            client.close();
            FlowRecord record = records.next(5_000);
            assertThat(record.target()).isEqualTo("localhost");
            assertThat(record.server().getPort()).isEqualTo(echo.address().getPort());
        }
    }

    @Test
    void connectToClosedPortShouldReplyConnectionRefused() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            nobody = (InetSocketAddress) closed.getLocalSocketAddress();
        }
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().listener(records).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();

            assertThat(Socks5Client.request(client, Socks5Client.CMD_CONNECT, nobody)).isEqualTo(CONNECTION_REFUSED);
            assertThat(client.getInputStream().read()).as("proxy closes after a failure reply").isEqualTo(-1);
            assertThat(records.next(2_000).end()).isEqualTo(FlowEnd.REFUSED);
        }
    }

    @Test
    void bindShouldBeRejectedAsUnsupportedCommand() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();

            int reply = Socks5Client.request(client, Socks5Client.CMD_BIND,
                    new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9));

            assertThat(reply).isEqualTo(COMMAND_NOT_SUPPORTED);
        }
    }

    @Test
    void clientWithoutNoAuthMethodShouldGetNoAcceptableMethods() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            int method = Socks5Client.greet(client, 0x02);

            assertThat(method).as("username/password is not offered by the proxy").isEqualTo(NO_ACCEPTABLE_METHODS);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void socks4ShouldBeRejected() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            int status = Socks5Client.socks4Connect(client, echo.address());

            assertThat(status).isEqualTo(SOCKS4_REJECTED);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void garbageInsteadOfSocksShouldCloseTheConnection() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            client.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    private static void assertEchoes(Socket client) throws IOException {
        byte[] message = "ping through socks".getBytes(StandardCharsets.US_ASCII);
        client.getOutputStream().write(message);
        assertThat(client.getInputStream().readNBytes(message.length)).isEqualTo(message);
    }
}
