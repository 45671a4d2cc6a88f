package dev.censorsim.control.toxiproxy;

import dev.censorsim.control.ControlServer;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Payload;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Toxics added, changed and removed 400 times through toxiproxy-java while 20 connections each pull 2 MB through the
 * proxy under a 120 KB/s bandwidth toxic (so they stay live throughout): every byte arrives, in order (SHA-256 per
 * connection), and no API call hangs. The toxics cycled are the ones that must not lose data (latency, bandwidth,
 * slicer), in both directions.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ToxicSwapStressTest {

    private static final int FLOWS = 20;
    private static final long BYTES = 2_000_000;
    private static final int CHANGES = 400;

    @Test
    void liveToxicChangesShouldLoseNoByteAndNeverHang() throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(FLOWS);
        try (ToxiproxyApi api = new ToxiproxyApi();
             ControlServer server = ControlServer.builder().listen(new java.net.InetSocketAddress("127.0.0.1", 0)).handler(api).start();
             LoopbackServer source = LoopbackServer.start(socket -> {
                 // The seed comes from the client's first byte, so each connection checks its own stream.
                 int seed = socket.getInputStream().read();
                 Payload.write(socket.getOutputStream(), BYTES, seed);
                 socket.shutdownOutput();
                 socket.getInputStream().readAllBytes();
             })) {
            ToxiproxyClient client = new ToxiproxyClient("127.0.0.1", server.localAddress().getPort());
            Proxy proxy = client.createProxy("stress", "127.0.0.1:0",
                    "127.0.0.1:" + source.address().getPort());
            // Paces every flow to ~16 s, so the changes below land on live connections; never removed.
            proxy.toxics().bandwidth("base", ToxicDirection.DOWNSTREAM, 120);
            String listen = proxy.getListen();
            int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));

            List<Future<String>> received = new ArrayList<>();
            for (int i = 0; i < FLOWS; i++) {
                int seed = i + 1;
                received.add(readers.submit(() -> {
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        socket.setSoTimeout(60_000);
                        socket.getOutputStream().write(seed);
                        Payload.Digest digest = Payload.readAll(socket.getInputStream());
                        return digest.bytes() + " " + digest.sha256();
                    }
                }));
            }

            long slowestCallNanos = 0;
            int changesWhileAllLive = 0;
            for (int i = 0; i < CHANGES; i++) {
                if (received.stream().noneMatch(Future::isDone)) {
                    changesWhileAllLive++;
                }
                long start = System.nanoTime();
                ToxicDirection stream = i % 2 == 0 ? ToxicDirection.DOWNSTREAM : ToxicDirection.UPSTREAM;
                switch (i % 4) {
                    case 0 -> proxy.toxics().latency("lat" + i, stream, 1 + i % 3).setJitter(1);
                    case 1 -> proxy.toxics().bandwidth("bw" + i, stream, 20_000); // 20 MB/s
                    case 2 -> proxy.toxics().slicer("sl" + i, stream, 1_500, 0).setSizeVariation(500);
                    default -> {
                        for (var toxic : proxy.toxics().getAll()) {
                            if (!toxic.getName().equals("base")) {
                                toxic.remove();
                            }
                        }
                    }
                }
                slowestCallNanos = Math.max(slowestCallNanos, System.nanoTime() - start);
            }
            client.reset();

            for (int i = 0; i < FLOWS; i++) {
                assertThat(received.get(i).get(120, TimeUnit.SECONDS)).as("flow %d", i)
                        .isEqualTo(BYTES + " " + Payload.expectedSha256(BYTES, i + 1));
            }
            assertThat(slowestCallNanos / 1_000_000).as("slowest API call, ms").isLessThan(10_000);
            assertThat(changesWhileAllLive).as("changes that reached 20 live connections").isGreaterThan(CHANGES / 2);
        } finally {
            readers.shutdownNow();
        }
    }
}
