package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The NIO fallback (a JVM without Netty's native epoll, or {@code -Dcensorsim.transport=nio}) keeps relaying while the
 * rest of the suite runs on the default, epoll: the proxy is bound on NIO explicitly here, whatever the default.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NioTransportRelayTest {

    @Test
    void nioProxyShouldRelayByteExactBothWaysAndEndOnTheClientsFin() throws Exception {
        long size = 8L << 20;
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build(),
                     Transport.NIO);
             Socket client = RelayTest.connect(proxy)) {
            CompletableFuture<String> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    String sha = Payload.write(client.getOutputStream(), size, 7);
                    client.shutdownOutput();
                    return sha;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Payload.Digest received = Payload.readAll(client.getInputStream());

            assertThat(proxy.transport()).isEqualTo(Transport.NIO);
            assertThat(received.bytes()).isEqualTo(size);
            assertThat(received.sha256()).isEqualTo(sent.get(30, TimeUnit.SECONDS));
            FlowRecord record = records.next(5_000);
            assertThat(record.bytesUp()).isEqualTo(size);
            assertThat(record.bytesDown()).isEqualTo(size);
            assertThat(record.end()).isEqualTo(FlowEnd.CLIENT_CLOSED);
        }
    }

    @Test
    void nioProxyShouldPassTheServersResetOnAsAReset() throws Exception {
        LoopbackServer.Behaviour greetThenReset = socket -> {
            socket.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.getInputStream().read(); // the client's byte: the flow is relaying both ways
            socket.setSoLinger(true, 0);
            socket.close();
        };
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(greetThenReset);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).listener(records).build(),
                     Transport.NIO);
             Socket client = RelayTest.connect(proxy)) {
            byte[] greeting = client.getInputStream().readNBytes(3);
            client.getOutputStream().write('x');
            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(new String(greeting, StandardCharsets.US_ASCII)).isEqualTo("bye");
            assertThat(failure).as("the server's RST reaches the client as a RST").isInstanceOf(IOException.class)
                    .hasMessageContaining("reset");
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).isEqualTo(FlowEnd.ERROR);
            assertThat(record.detail()).contains("reset by peer");
        }
    }
}
