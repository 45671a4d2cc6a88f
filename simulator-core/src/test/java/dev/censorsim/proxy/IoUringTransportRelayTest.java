package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.BeforeAll;
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
 * The io_uring transport ({@code -Dcensorsim.transport=io_uring}, an explicit choice) relays like the default: the
 * proxy is bound on io_uring here, whatever the default. Needs a kernel that allows io_uring (5.9 or later, not
 * disabled by {@code kernel.io_uring_disabled} or a seccomp filter), as the CI machine's does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringTransportRelayTest {

    @BeforeAll
    static void ioUringLoads() {
        assertThat(IoUring.isAvailable()).as("io_uring: %s", IoUring.unavailabilityCause()).isTrue();
    }

    @Test
    void ioUringProxyShouldRelayByteExactBothWaysAndEndOnTheClientsFin() throws Exception {
        long size = 8L << 20;
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build(),
                     Transport.IO_URING);
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

            assertThat(proxy.transport()).isEqualTo(Transport.IO_URING);
            assertThat(received.bytes()).isEqualTo(size);
            assertThat(received.sha256()).isEqualTo(sent.get(30, TimeUnit.SECONDS));
            FlowRecord record = records.next(5_000);
            assertThat(record.bytesUp()).isEqualTo(size);
            assertThat(record.bytesDown()).isEqualTo(size);
            assertThat(record.end()).isEqualTo(FlowEnd.CLIENT_CLOSED);
        }
    }

    @Test
    void ioUringProxyShouldPassTheServersResetOnAsAReset() throws Exception {
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
                     Transport.IO_URING);
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
