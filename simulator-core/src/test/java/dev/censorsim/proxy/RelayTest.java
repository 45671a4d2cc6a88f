package dev.censorsim.proxy;

import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayTest {

    /** ~2 s on a loaded 2-core machine, so it stays in the default run rather than behind the "slow" tag. */
    @Test
    void relayShouldBeByteExactBothWaysForHundredMegabytes() throws Exception {
        relayByteExact(100L << 20);
    }

    private static void relayByteExact(long size) throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build());
             Socket client = connect(proxy)) {
            CompletableFuture<String> sent = sendThenHalfClose(client, size, 42);
            long start = System.nanoTime();
            Payload.Digest received = Payload.readAll(client.getInputStream());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("relay %d MB each way through the proxy in %.2f s: %.0f MB/s per direction%n",
                    size >> 20, seconds, size / 1e6 / seconds);

            assertThat(received.bytes()).isEqualTo(size);
            assertThat(received.sha256()).as("echoed bytes equal what was sent")
                    .isEqualTo(sent.get(30, TimeUnit.SECONDS));
            FlowRecord record = records.next(5_000);
            assertThat(record.bytesUp()).isEqualTo(size);
            assertThat(record.bytesDown()).isEqualTo(size);
            assertThat(record.end()).as("the client half-closed first").isEqualTo(FlowEnd.CLIENT_CLOSED);
        }
    }

    @Test
    void relayShouldAddLessThanAMillisecondOfLatency() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).build());
             Socket direct = new Socket(echo.address().getAddress(), echo.address().getPort());
             Socket proxied = connect(proxy)) {
            direct.setTcpNoDelay(true);
            proxied.setTcpNoDelay(true);
            medianRoundTripMicros(direct, 2_000);
            medianRoundTripMicros(proxied, 2_000);
            double directMicros = medianRoundTripMicros(direct, 5_000);
            double proxiedMicros = medianRoundTripMicros(proxied, 5_000);
            System.out.printf("1-byte echo round trip, median of 5000: direct %.1f us, through proxy %.1f us%n",
                    directMicros, proxiedMicros);

            // Generous for a shared 2-core CI box; a relay that waited on a timer, Nagle or a delayed ACK would
            // add tens of milliseconds.
            assertThat(proxiedMicros - directMicros).as("added round-trip latency in microseconds")
                    .isLessThan(1_000);
        }
    }

    private static double medianRoundTripMicros(Socket socket, int samples) throws IOException {
        long[] nanos = new long[samples];
        InputStream in = socket.getInputStream();
        java.io.OutputStream out = socket.getOutputStream();
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            out.write(i & 0x7f);
            if (in.read() != (i & 0x7f)) {
                throw new IOException("echo mismatch");
            }
            nanos[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(nanos);
        return nanos[samples / 2] / 1_000.0;
    }

    @Test
    void halfCloseShouldReachServerWhileResponseStillFlowsBack() throws Exception {
        // The server answers only after it has seen the client's EOF: that proves the FIN was relayed while the
        // client's read side stayed open.
        LoopbackServer.Behaviour requestThenResponse = socket -> {
            byte[] request = socket.getInputStream().readAllBytes();
            socket.getOutputStream().write(("got " + new String(request, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
        };
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(requestThenResponse);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).listener(records).build());
             Socket client = connect(proxy)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();

            byte[] response = client.getInputStream().readAllBytes();

            assertThat(new String(response, StandardCharsets.US_ASCII)).isEqualTo("got hello");
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).isEqualTo(FlowEnd.CLIENT_CLOSED);
            assertThat(record.bytesUp()).isEqualTo(5);
            assertThat(record.bytesDown()).isEqualTo(9);
        }
    }

    /**
     * The client half-closes while much of the echo is still to come back, and reads it slowly: the proxy's writes to
     * the half-closed client socket stall again and again after its input is shut. On Netty's epoll transport (4.2.18
     * to 4.2.21) that socket's interest set went empty once a stalled write drained, which removed it from epoll, and
     * the next stalled write failed with {@code epoll_ctl(..) failed with error(-2)}: the flow ended in error with the
     * rest of the stream lost.
     */
    @Test
    void echoReadSlowlyAfterClientHalfCloseShouldArriveWhole() throws Exception {
        long size = 24L << 20;
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build());
             Socket client = connect(proxy)) {
            CompletableFuture<String> sent = sendThenHalfClose(client, size, 11);
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            long received = 0;
            long nextPause = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
                received += n;
                if (received >= nextPause) {
                    // A slow reader: the proxy's socket toward the client fills and drains again and again, and the
                    // echo, held up by it, holds the upload up too, so the client's FIN arrives mid-stream.
                    Thread.sleep(2);
                    nextPause = received + (128 << 10);
                }
            }

            FlowRecord record = records.next(5_000);
            assertThat(record.end()).as(String.valueOf(record.detail())).isEqualTo(FlowEnd.CLIENT_CLOSED);
            assertThat(received).isEqualTo(size);
            assertThat(java.util.HexFormat.of().formatHex(digest.digest())).isEqualTo(sent.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void serverHalfCloseShouldReachClientWhileUploadContinues() throws Exception {
        LoopbackServer.Behaviour greetThenListen = socket -> {
            socket.getOutputStream().write("banner".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            byte[] upload = socket.getInputStream().readAllBytes();
            if (!new String(upload, StandardCharsets.US_ASCII).equals("after-eof")) {
                throw new IOException("server got " + new String(upload, StandardCharsets.US_ASCII));
            }
        };
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(greetThenListen);
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).listener(records).build());
             Socket client = connect(proxy)) {
            byte[] banner = client.getInputStream().readAllBytes();
            client.getOutputStream().write("after-eof".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();

            assertThat(new String(banner, StandardCharsets.US_ASCII)).isEqualTo("banner");
            FlowRecord record = records.next(5_000);
            assertThat(record.end()).isEqualTo(FlowEnd.SERVER_CLOSED);
            assertThat(server.failure(200)).as("server saw the upload sent after its own FIN").isNull();
        }
    }

    @Test
    void refusedUpstreamShouldResetClientPromptly() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            nobody = (InetSocketAddress) closed.getLocalSocketAddress();
        }
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(nobody).listener(records).build());
             Socket client = new Socket()) {
            long start = System.nanoTime();
            // The reset can come before the client's connect has returned (a descheduled client thread): it counts.
            Throwable failure = catchThrowable(() -> {
                client.connect(proxy.localAddress(), 2_000);
                client.setSoTimeout(10_000);
                client.getInputStream().read();
            });
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertThat(failure).as("a refused upstream resets the client").isInstanceOf(IOException.class)
                    .hasMessageContaining("reset");
            assertThat(millis).as("client learns of the refusal promptly").isLessThan(250);
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.REFUSED);
            assertThat(record.server()).isEqualTo(nobody);
        }
    }

    @Test
    void unansweredUpstreamShouldEndAsTimeout() throws Exception {
        // A listener that never accepts, with its accept queue filled: Linux then drops further SYNs, which is what
        // an unreachable server looks like, without leaving loopback.
        RecordingListener records = new RecordingListener();
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            java.util.List<Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket filler = new Socket();
                    try {
                        filler.connect(silent.getLocalSocketAddress(), 200);
                        fillers.add(filler);
                    } catch (IOException full) {
                        filler.close();
                        break;
                    }
                }
                try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(
                                (InetSocketAddress) silent.getLocalSocketAddress())
                        .connectTimeout(java.time.Duration.ofMillis(300)).listener(records).build());
                     Socket client = connect(proxy)) {
                    Throwable failure = catchThrowable(() -> client.getInputStream().read());

                    assertThat(failure).isInstanceOf(IOException.class);
                    FlowRecord record = records.next(3_000);
                    assertThat(record.end()).isEqualTo(FlowEnd.TIMEOUT);
                    assertThat(record.durationNanos()).isGreaterThanOrEqualTo(300_000_000L);
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void flowRecordShouldNameAddressesBytesAndEnd() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build());
             Socket client = connect(proxy)) {
            client.getOutputStream().write(new byte[517]);
            client.shutdownOutput();
            InputStream in = client.getInputStream();
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            in.transferTo(back);

            FlowRecord record = records.next(5_000);
            assertThat(record.client()).isEqualTo(client.getLocalSocketAddress());
            assertThat(record.server()).isEqualTo(echo.address());
            assertThat(record.toLogLine())
                    .startsWith("127.0.0.1:" + client.getLocalPort() + " -> 127.0.0.1:" + echo.address().getPort())
                    .contains(" rule=- action=pass up=517B down=517B ")
                    .endsWith(" end=client-closed");
        }
    }

    @Test
    void closeShouldEndOpenFlowsAndReportThem() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             Socket client = new Socket()) {
            CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).listener(records).build());
            client.connect(proxy.localAddress(), 2_000);
            client.setSoTimeout(5_000);
            client.getOutputStream().write(1);
            assertThat(client.getInputStream().read()).isEqualTo(1);

            proxy.close();

            assertThat(client.getInputStream().read()).as("the client sees the proxy go away").isEqualTo(-1);
            assertThat(records.next(2_000).end()).isEqualTo(FlowEnd.SHUTDOWN);
        }
    }

    static Socket connect(CensorProxy proxy) throws IOException {
        Socket socket = new Socket();
        socket.connect(proxy.localAddress(), 2_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Writes {@code size} seeded bytes to {@code client} on another thread, then half-closes it; yields their hash. */
    static CompletableFuture<String> sendThenHalfClose(Socket client, long size, long seed) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String sha = Payload.write(client.getOutputStream(), size, seed);
                client.shutdownOutput();
                return sha;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
