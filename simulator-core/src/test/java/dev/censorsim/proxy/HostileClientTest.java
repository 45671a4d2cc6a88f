package dev.censorsim.proxy;

import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Clients that misbehave on purpose (scanners, half-open greetings): the proxy must not hold their sockets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileClientTest {

    @Test
    void socksShouldReleaseClientsThatCloseBeforeTheGreeting() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build())) {
            for (int i = 0; i < 200; i++) {
                // A port scan or a health check: connect, send nothing, close.
                try (Socket s = new Socket()) {
                    s.connect(proxy.localAddress(), 2_000);
                }
            }
            assertThat(awaitAtMost(proxy::openChannels, 0, 10_000))
                    .as("sockets the proxy still holds after 200 bare connect-and-close clients")
                    .isZero();
        }
    }

    @Test
    void socksShouldReleaseClientsThatCloseHalfwayThroughTheGreeting() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build())) {
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket()) {
                    s.connect(proxy.localAddress(), 2_000);
                    // Version 5, two methods announced, one sent: the decoder waits for more.
                    s.getOutputStream().write(new byte[] {5, 2, 0});
                    s.getOutputStream().flush();
                    s.shutdownOutput();
                }
            }
            assertThat(awaitAtMost(proxy::openChannels, 0, 10_000)).isZero();
        }
    }

    @Test
    void socksShouldCloseClientsThatDoNotFinishTheirRequestInTime() throws Exception {
        List<Socket> clients = new ArrayList<>();
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks()
                .handshakeTimeout(Duration.ofMillis(500)).build())) {
            for (int i = 0; i < 30; i++) {
                Socket s = new Socket();
                clients.add(s);
                s.connect(proxy.localAddress(), 2_000);
                s.setSoTimeout(5_000);
                if (i % 3 == 1) {
                    s.getOutputStream().write(new byte[] {5, 1, 0}); // greeting, then silence
                } else if (i % 3 == 2) {
                    s.getOutputStream().write(new byte[] {5, 1, 0, 5, 1, 0, 1, 127}); // half a request
                }
            }
            for (Socket s : clients) {
                InputStream in = s.getInputStream();
                // The method choice (2 bytes) for those that greeted, then EOF: the proxy closed on them.
                long start = System.nanoTime();
                while (in.read() >= 0) {
                    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
                }
            }
            assertThat(awaitAtMost(proxy::openChannels, 0, 5_000)).isZero();
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    @Test
    void handshakeDeadlineShouldNotCutAnEstablishedFlow() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks()
                     .handshakeTimeout(Duration.ofSeconds(1)).build());
             Socket client = Socks5Client.connect(proxy.localAddress(), echo.address())) {
            Thread.sleep(2_500);
            client.getOutputStream().write('x');
            assertThat(client.getInputStream().read()).isEqualTo('x');
        }
    }

    @Test
    void clientsBeyondTheFlowCapShouldBeResetAndAdmittedAgainOnceFlowsEnd() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().maxFlows(20).build())) {
            for (int i = 0; i < 20; i++) {
                held.add(Socks5Client.connect(proxy.localAddress(), echo.address()));
            }
            try (Socket extra = Socks5Client.open(proxy.localAddress())) {
                assertThatThrownBy(() -> Socks5Client.greet(extra, 0))
                        .as("the 21st client is reset, not served")
                        .isInstanceOf(java.net.SocketException.class).hasMessageContaining("reset");
            }
            held.remove(0).close();
            assertThat(awaitAtMost(proxy::openChannels, 38, 5_000)).isEqualTo(38);
            try (Socket next = Socks5Client.connect(proxy.localAddress(), echo.address())) {
                next.getOutputStream().write('y');
                assertThat(next.getInputStream().read()).isEqualTo('y');
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void defaultFlowCapShouldStayBelowTheDescriptorLimit() {
        long limit = ((com.sun.management.UnixOperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        assertThat(2L * ProxyOptions.defaultMaxFlows()).isLessThan(Math.max(limit, 2L * 16 + 1));
    }

    /** Polls until {@code value} is at most {@code bound} or the time is up; returns the last value seen. */
    static int awaitAtMost(IntSupplier value, int bound, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        int v = value.getAsInt();
        while (v > bound && System.nanoTime() < deadline) {
            Thread.sleep(50);
            v = value.getAsInt();
        }
        return v;
    }
}
