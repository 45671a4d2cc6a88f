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
 * What every transport's relay must do, checked on a proxy bound on {@link #transport()} whatever the default: a
 * subclass per transport that is not the suite's default ({@link NioTransportRelayTest},
 * {@link IoUringTransportRelayTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class TransportRelayChecks {

    /** The transport the proxy is bound on. */
    abstract Transport transport();

    @Test
    void proxyShouldRelayByteExactBothWaysAndEndOnTheClientsFin() throws Exception {
        long size = 8L << 20;
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build(),
                     transport());
             Socket client = RelayTest.connect(proxy)) {
            CompletableFuture<String> sent = RelayTest.sendThenHalfClose(client, size, 7);
            Payload.Digest received = Payload.readAll(client.getInputStream());

            assertThat(proxy.transport()).isEqualTo(transport());
            assertThat(received.bytes()).isEqualTo(size);
            assertThat(received.sha256()).isEqualTo(sent.get(30, TimeUnit.SECONDS));
            FlowRecord record = records.next(5_000);
            assertThat(record.bytesUp()).isEqualTo(size);
            assertThat(record.bytesDown()).isEqualTo(size);
            assertThat(record.end()).isEqualTo(FlowEnd.CLIENT_CLOSED);
        }
    }

    @Test
    void proxyShouldPassTheServersResetOnAsAReset() throws Exception {
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
                     transport());
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
