package dev.censorsim.lab;

import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lab's named forwards, TCP and UDP, over real sockets, on the lab's one policy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LabForwardTest {

    @Test
    void tcpAndUdpForwardsShouldRelayAndCountUnderTheirNames() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             DatagramSocket udpEcho = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread echoer = new Thread(() -> {
                byte[] buffer = new byte[2048];
                try {
                    while (true) {
                        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        udpEcho.receive(packet);
                        udpEcho.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            }, "udp-echo");
            echoer.setDaemon(true);
            echoer.start();
            try (Lab lab = Lab.start(new LabOptions()
                    .forward(new LabOptions.Forward("api", LabOptions.loopback(0), echo.address(), false))
                    .forward(new LabOptions.Forward("voice", LabOptions.loopback(0),
                            (InetSocketAddress) udpEcho.getLocalSocketAddress(), true)))) {
                try (Socket socket = new Socket()) {
                    socket.connect(lab.forwardAddress("api"), 5_000);
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                    assertThat(socket.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
                }
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                    client.setSoTimeout(5_000);
                    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
                    client.send(new DatagramPacket(hello, hello.length, lab.forwardAddress("voice")));
                    DatagramPacket back = new DatagramPacket(new byte[64], 64);
                    client.receive(back);
                    assertThat(new String(back.getData(), 0, back.getLength(), StandardCharsets.US_ASCII))
                            .isEqualTo("hello");
                }
                assertThat(lab.frontEnds()).containsKeys("api", "voice (udp)");
                assertThatThrownBy(() -> lab.forwardAddress("nope")).isInstanceOf(NoSuchElementException.class);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (lab.metrics().sum("censorsim_flows_total", "front", "api") == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(lab.metrics().sum("censorsim_flows_total", "front", "api")).isEqualTo(1);
                assertThat(lab.metrics().render()).contains("censorsim_active_udp_flows{front=\"voice\"} 1");
            }
        }
    }

    @Test
    void aTcpForwardShouldBeAToxiproxyProxyThatTakesToxicsThroughTheApi() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             Lab lab = Lab.start(new LabOptions().api(LabOptions.loopback(0))
                     .forward(new LabOptions.Forward("db", LabOptions.loopback(0), echo.address(), false)))) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + lab.apiAddress().getPort();
            java.net.http.HttpResponse<String> proxies = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(base + "/proxies")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(proxies.statusCode()).isEqualTo(200);
            assertThat(proxies.body()).contains("\"db\"").contains("\"upstream\":\"127.0.0.1:"
                    + echo.address().getPort() + "\"");

            java.net.http.HttpResponse<String> added = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(base + "/proxies/db/toxics")).POST(java.net.http.HttpRequest.BodyPublishers
                    .ofString("{\"type\":\"limit_data\",\"stream\":\"downstream\",\"attributes\":{\"bytes\":3}}"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(added.statusCode()).as(added.body()).isEqualTo(200);

            try (Socket socket = new Socket()) {
                socket.connect(lab.forwardAddress("db"), 5_000);
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertThat(socket.getInputStream().readAllBytes()).as("limit_data: 3 bytes, then the close")
                        .isEqualTo("pin".getBytes(StandardCharsets.US_ASCII));
            }
            assertThat(lab.frontEnds()).containsKeys("db", "api");
        }
    }

    @Test
    void twoFrontEndsWithOneNameShouldBeRefused() {
        InetSocketAddress somewhere = LabOptions.loopback(9);
        assertThatThrownBy(() -> Lab.start(new LabOptions()
                .forward(new LabOptions.Forward("x", LabOptions.loopback(0), somewhere, false))
                .forward(new LabOptions.Forward("x", LabOptions.loopback(0), somewhere, true))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two front ends named 'x'");
    }

    @Test
    void extraRouteHandlersShouldBeMadeWithTheLabAndClosedWithIt() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Lab> seen = new java.util.concurrent.atomic.AtomicReference<>();
        final class Closing implements dev.censorsim.control.RouteHandler, AutoCloseable {
            @Override
            public io.netty.handler.codec.http.FullHttpResponse handle(
                    io.netty.handler.codec.http.FullHttpRequest request) {
                return null;
            }

            @Override
            public void close() {
                closed.set(true);
            }
        }
        Lab lab = Lab.start(new LabOptions().api(LabOptions.loopback(0)).routes(l -> {
            seen.set(l);
            return new Closing();
        }));
        assertThat(seen.get()).isSameAs(lab);
        lab.close();
        assertThat(closed).isTrue();
    }
}
