package dev.censorsim.proxy;

import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A RST from either peer reaches the other peer as a RST, not as the clean EOF a polite close would give: both peers
 * here are plain sockets, the resetting one closes with SO_LINGER 0, and the other must see "Connection reset".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RstFidelityTest {

    /** Reads the client's "hello", then aborts the connection. */
    private static final LoopbackServer.Behaviour RESET_AFTER_REQUEST = socket -> {
        socket.getInputStream().readNBytes(5);
        socket.setSoLinger(true, 0);
        socket.close();
    };

    @Test
    void serverResetShouldReachClientAsResetInForwardMode() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(RESET_AFTER_REQUEST);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).listener(records).build());
             Socket client = RelayTest.connect(proxy)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));

            Throwable failure = catchThrowable(() -> readToEnd(client.getInputStream()));

            assertThat(failure).as("the server's RST, not an EOF").isInstanceOf(IOException.class)
                    .hasMessageContaining("Connection reset");
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).isEqualTo(FlowEnd.ERROR);
            assertThat(record.detail()).contains("server: reset by peer").contains("RST passed on to the client");
        }
    }

    @Test
    void serverResetShouldReachClientAsResetInSocksMode() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(RESET_AFTER_REQUEST);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket client = Socks5Client.connect(proxy.localAddress(), server.address())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));

            Throwable failure = catchThrowable(() -> readToEnd(client.getInputStream()));

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
        }
    }

    @Test
    void clientResetShouldReachServerAsReset() throws Exception {
        CompletableFuture<Throwable> serverSaw = new CompletableFuture<>();
        LoopbackServer.Behaviour acknowledgeThenRead = socket -> {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            in.readNBytes(5);
            socket.getOutputStream().write('k');
            serverSaw.complete(catchThrowable(() -> readToEnd(in)));
        };
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(acknowledgeThenRead);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).listener(records).build())) {
            Socket client = RelayTest.connect(proxy);
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(client.getInputStream().read()).as("the server has the request").isEqualTo('k');
            client.setSoLinger(true, 0);
            client.close();

            assertThat(serverSaw.get(15, TimeUnit.SECONDS)).as("the client's RST, not an EOF")
                    .isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            assertThat(records.next(5_000).detail()).contains("client: reset by peer");
        }
    }

    @Test
    void socksClientResetShouldReachServerAsReset() throws Exception {
        CompletableFuture<Throwable> serverSaw = new CompletableFuture<>();
        LoopbackServer.Behaviour acknowledgeThenRead = socket -> {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            in.readNBytes(5);
            socket.getOutputStream().write('k');
            serverSaw.complete(catchThrowable(() -> readToEnd(in)));
        };
        try (LoopbackServer server = LoopbackServer.start(acknowledgeThenRead);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build())) {
            Socket client = Socks5Client.connect(proxy.localAddress(), server.address());
            client.setSoTimeout(10_000);
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(client.getInputStream().read()).isEqualTo('k');
            client.setSoLinger(true, 0);
            client.close();

            assertThat(serverSaw.get(15, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                    .hasMessageContaining("Connection reset");
        }
    }

    @Test
    void cleanServerCloseShouldStillReachClientAsEof() throws Exception {
        LoopbackServer.Behaviour answerThenClose = socket -> {
            socket.getInputStream().readNBytes(5);
            socket.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            readToEnd(socket.getInputStream());
        };
        try (LoopbackServer server = LoopbackServer.start(answerThenClose);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).build());
             Socket client = RelayTest.connect(proxy)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));

            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .as("a FIN stays a FIN").isEqualTo("bye");
        }
    }

    private static void readToEnd(InputStream in) throws IOException {
        byte[] buffer = new byte[4096];
        while (in.read(buffer) >= 0) {
            // discard until EOF or the reset
        }
    }
}
