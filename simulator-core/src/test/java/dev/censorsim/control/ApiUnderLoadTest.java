package dev.censorsim.control;

import dev.censorsim.dns.Zone;
import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API under load (issue 11's "done when"): 1,000 policy swaps through {@code PUT /censorsim/policy} while 200
 * flows relay data through the HTTP proxy. The swaps alternate between passing the flows and throttling them (a rate
 * far above what they use), so every swap re-evaluates every live flow and changes its action. No byte may be lost or
 * altered (CRC-32 of what each flow sent against what came back), every API request has a deadline and must get 200,
 * and the flows end cleanly. Bounded: fixed counts and a class timeout, no speed assertion.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ApiUnderLoadTest {

    private static final int FLOWS = 200;
    private static final int SWAPS = 1_000;
    private static final int SWAP_THREADS = 4;
    private static final int CHUNK = 4 * 1024;
    /** Each flow relays at least this much, and keeps relaying until the swaps are done. */
    private static final int MIN_BYTES = 64 * 1024;
    private static final String PASS = "rules: [{name: other, match: {target: [other.test]}, action: {type: reset}}]";
    private static final String THROTTLE = "rules: [{name: load-throttle, match: {target: [load.test]}, "
            + "action: {type: throttle, rate: 400mbit, direction: both}}]";

    @Test
    void policySwapsUnderLoadShouldLoseNoByteAndAnswerEveryRequest() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             Lab lab = Lab.start(new LabOptions().httpProxy(LabOptions.loopback(0)).api(LabOptions.loopback(0))
                     .zone(Zone.builder("load.test").a("load.test", "127.0.0.1").build()))) {
            ExecutorService pool = Executors.newFixedThreadPool(FLOWS + SWAP_THREADS);
            try {
                CountDownLatch connected = new CountDownLatch(FLOWS);
                AtomicBoolean swapsDone = new AtomicBoolean();
                List<Future<long[]>> flows = new ArrayList<>();
                for (int i = 0; i < FLOWS; i++) {
                    long seed = i;
                    flows.add(pool.submit(() -> relay(lab, echo.address().getPort(), seed, connected, swapsDone)));
                }
                assertThat(connected.await(60, TimeUnit.SECONDS)).as("all flows connected").isTrue();

                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                URI uri = URI.create("http://127.0.0.1:" + lab.apiAddress().getPort() + "/censorsim/policy");
                List<Future<Integer>> swappers = new ArrayList<>();
                for (int t = 0; t < SWAP_THREADS; t++) {
                    int thread = t;
                    swappers.add(pool.submit(() -> {
                        int ok = 0;
                        for (int i = 0; i < SWAPS / SWAP_THREADS; i++) {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(20))
                                    .PUT(HttpRequest.BodyPublishers.ofString((i + thread) % 2 == 0 ? THROTTLE : PASS))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                ok++;
                            }
                        }
                        return ok;
                    }));
                }
                int answered = 0;
                for (Future<Integer> swapper : swappers) {
                    answered += swapper.get(180, TimeUnit.SECONDS);
                }
                swapsDone.set(true);

                long bytes = 0;
                for (Future<long[]> flow : flows) {
                    long[] result = flow.get(120, TimeUnit.SECONDS);
                    assertThat(result[1]).as("CRC-32 of what came back equals what was sent").isEqualTo(result[0]);
                    bytes += result[2];
                }
                assertThat(answered).as("PUTs answered 200").isEqualTo(SWAPS);
                assertThat(lab.metrics().sum("censorsim_policy_swaps_total")).isEqualTo(SWAPS);
                assertThat(bytes).isGreaterThanOrEqualTo((long) FLOWS * MIN_BYTES);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (lab.metrics().sum("censorsim_flows_total") < FLOWS && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(lab.metrics().sum("censorsim_flow_ends_total", "end", "client-closed"))
                        .as("every flow ended as its client closed it").isEqualTo(FLOWS);
            } finally {
                pool.shutdownNow();
                pool.awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * One flow: CONNECT load.test, then chunks in lockstep (write one, read it back) until the swaps are done and at
     * least {@link #MIN_BYTES} went through. Returns {sent CRC, received CRC, bytes}.
     */
    private static long[] relay(Lab lab, int echoPort, long seed, CountDownLatch connected, AtomicBoolean swapsDone)
            throws Exception {
        try (Socket socket = new Socket("127.0.0.1", lab.httpProxyAddress().getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT load.test:" + echoPort + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder head = new StringBuilder();
            while (head.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("proxy closed during CONNECT: " + head);
                }
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200");
            connected.countDown();
            Random random = new Random(seed);
            CRC32 sent = new CRC32();
            CRC32 received = new CRC32();
            byte[] chunk = new byte[CHUNK];
            long total = 0;
            while (total < MIN_BYTES || !swapsDone.get()) {
                random.nextBytes(chunk);
                out.write(chunk);
                sent.update(chunk);
                byte[] back = in.readNBytes(CHUNK);
                if (back.length != CHUNK) {
                    throw new AssertionError("flow " + seed + " lost its connection after " + total + " bytes");
                }
                received.update(back);
                total += CHUNK;
            }
            socket.shutdownOutput();
            assertThat(in.read()).as("echo closes after our FIN").isEqualTo(-1);
            return new long[] {sent.getValue(), received.getValue(), total};
        }
    }
}
