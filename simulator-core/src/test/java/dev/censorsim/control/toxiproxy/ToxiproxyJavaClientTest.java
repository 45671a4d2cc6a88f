package dev.censorsim.control.toxiproxy;

import dev.censorsim.control.ControlServer;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import eu.rekawek.toxiproxy.Proxy;
import eu.rekawek.toxiproxy.ToxiproxyClient;
import eu.rekawek.toxiproxy.model.ToxicDirection;
import eu.rekawek.toxiproxy.model.toxic.Latency;
import eu.rekawek.toxiproxy.model.toxic.LimitData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The unmodified toxiproxy-java 2.1.7 client against {@link ToxiproxyApi}: create a proxy, add, change and remove
 * each toxic and measure its effect over real loopback sockets, then disable, enable, reset and delete. Timing
 * bounds: lower bounds allow 10 ms of timer and clock granularity (a timer never fires early); upper bounds are
 * generous because six builds share two cores.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ToxiproxyJavaClientTest {

    private static final long SLACK_MILLIS = 10;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private ToxiproxyApi api;
    private ToxiproxyClient client;

    @BeforeEach
    void startApi() throws Exception {
        api = new ToxiproxyApi();
        ControlServer server = ControlServer.builder().listen(new java.net.InetSocketAddress("127.0.0.1", 0)).handler(api).start();
        resources.add(server);
        client = new ToxiproxyClient("127.0.0.1", server.localAddress().getPort());
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    @Test
    void versionShouldAnswerAsTestcontainersWaitStrategyPollsIt() throws Exception {
        assertThat(client.version()).contains("\"version\"").contains("censorsim");
    }

    @Test
    void latencyToxicShouldDelayLiveConnectionsAndStopWhenRemoved() throws Exception {
        Proxy proxy = client.createProxy("echo", "127.0.0.1:0", upstream(LoopbackServer.echo()));
        assertThat(proxy.getListen()).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:0");
        try (Socket live = connect(proxy)) {
            long before = roundTripMillis(live);

            Latency latency = proxy.toxics().latency("slow", ToxicDirection.DOWNSTREAM, 200);
            long with = roundTripMillis(live);
            latency.setLatency(400);
            long raised = roundTripMillis(live);
            latency.remove();
            long after = roundTripMillis(live);

            assertThat(with).as("200 ms added to a connection opened before the toxic")
                    .isGreaterThanOrEqualTo(200 - SLACK_MILLIS).isLessThan(before + 200 + 1_000);
            assertThat(raised).as("the update reaches the live connection").isGreaterThanOrEqualTo(400 - SLACK_MILLIS);
            assertThat(after).as("removed").isLessThan(150);
        }
    }

    @Test
    void bandwidthToxicShouldHoldTheRateInKilobytesPerSecond() throws Exception {
        int bytes = 200_000;
        Proxy proxy = client.createProxy("bulk", "127.0.0.1:0", upstream(LoopbackServer.source(bytes, 1)));
        proxy.toxics().bandwidth("cap", ToxicDirection.DOWNSTREAM, 100); // 100 KB/s = 100 000 B/s
        try (Socket socket = connect(proxy)) {
            long start = System.nanoTime();
            long received = socket.getInputStream().readAllBytes().length;
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(received).isEqualTo(bytes);
            // 2.0 s at the rate; the bucket starts with a 20 ms burst, so at least 1.98 s; +30% for a loaded host.
            assertThat(seconds).as("elapsed for 200 000 B at 100 KB/s").isBetween(1.97, 2.6);
        }
    }

    @Test
    void limitDataToxicShouldCloseAfterExactlyItsBytesAndToxicityZeroShouldSpareConnections() throws Exception {
        Proxy proxy = client.createProxy("limited", "127.0.0.1:0", upstream(LoopbackServer.source(100_000, 2)));
        LimitData limit = proxy.toxics().limitData("limit", ToxicDirection.DOWNSTREAM, 10_000);
        try (Socket socket = connect(proxy)) {
            assertThat(socket.getInputStream().readAllBytes()).hasSize(10_000);
        }

        limit.setToxicity(0);
        try (Socket socket = connect(proxy)) {
            socket.shutdownOutput();
            assertThat(socket.getInputStream().readAllBytes()).hasSize(100_000);
        }
        assertThat(proxy.toxics().get("limit", LimitData.class).getToxicity()).isZero();
    }

    @Test
    void resetPeerToxicShouldResetTheConnectionWithARealRst() throws Exception {
        Proxy proxy = client.createProxy("rst", "127.0.0.1:0", upstream(LoopbackServer.echo()));
        proxy.toxics().resetPeer("rst", ToxicDirection.DOWNSTREAM, 100);
        try (Socket socket = connect(proxy)) {
            long start = System.nanoTime();
            socket.getOutputStream().write("ping".getBytes());
            Throwable failure = catchThrowable(() -> socket.getInputStream().read());
            long elapsed = (System.nanoTime() - start) / 1_000_000;

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            assertThat(elapsed).isGreaterThanOrEqualTo(100 - SLACK_MILLIS);
        }
    }

    @Test
    void timeoutToxicShouldPassNothingThenCloseAndSlowCloseShouldHoldTheFin() throws Exception {
        Proxy quiet = client.createProxy("quiet", "127.0.0.1:0", upstream(socket -> {
            socket.getOutputStream().write(new byte[10_000]);
            socket.getInputStream().readAllBytes();
        }));
        quiet.toxics().timeout("t", ToxicDirection.DOWNSTREAM, 300);
        try (Socket socket = connect(quiet)) {
            long start = System.nanoTime();
            int first = socket.getInputStream().read();
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            assertThat(first).as("no data, then EOF").isEqualTo(-1);
            assertThat(elapsed).isGreaterThanOrEqualTo(300 - SLACK_MILLIS);
        }

        Proxy closing = client.createProxy("closing", "127.0.0.1:0", upstream(LoopbackServer.source(1_000, 3)));
        closing.toxics().slowClose("sc", ToxicDirection.DOWNSTREAM, 300);
        try (Socket socket = connect(closing)) {
            long start = System.nanoTime();
            assertThat(socket.getInputStream().readAllBytes()).hasSize(1_000);
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300 - SLACK_MILLIS);
        }
    }

    @Test
    void slicerToxicShouldDeliverSmallSegments() throws Exception {
        Proxy proxy = client.createProxy("sliced", "127.0.0.1:0", upstream(LoopbackServer.source(10_000, 4)));
        // 5 ms between segments (the delay is in microseconds, as in Toxiproxy): at 2 ms a reader descheduled on a
        // busy CI runner merged 14 of 133 segments.
        proxy.toxics().slicer("s", ToxicDirection.DOWNSTREAM, 100, 5_000).setSizeVariation(10);
        try (Socket socket = connect(proxy)) {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65_536];
            List<Integer> reads = new ArrayList<>();
            int n;
            while ((n = in.read(buffer)) > 0) {
                reads.add(n);
            }
            assertThat(reads.stream().mapToInt(Integer::intValue).sum()).isEqualTo(10_000);
            // Segments are at most 110 bytes, so at least 91 of them; a descheduled reader may merge a few, and an
            // unsliced relay would deliver the 10,000 bytes in a handful of reads.
            assertThat(reads).hasSizeGreaterThanOrEqualTo(80);
            assertThat(reads.stream().filter(r -> r <= 110).count()).isGreaterThanOrEqualTo(reads.size() * 3L / 4);
        }
    }

    @Test
    void disableShouldRefuseNewAndCloseLiveConnectionsAndEnableShouldListenAgain() throws Exception {
        Proxy proxy = client.createProxy("toggle", "127.0.0.1:0", upstream(LoopbackServer.echo()));
        InetSocketAddress address = address(proxy);
        try (Socket live = connect(proxy)) {
            roundTripMillis(live);

            proxy.disable();

            Throwable ended = catchThrowable(() -> assertThat(live.getInputStream().read()).isEqualTo(-1));
            assertThat(ended == null || ended instanceof IOException).as("EOF or reset, got %s", ended).isTrue();
        }
        assertThat(client.getProxy("toggle").isEnabled()).isFalse();
        assertThat(catchThrowable(() -> new Socket(address.getAddress(), address.getPort()).close()))
                .isInstanceOf(ConnectException.class);

        proxy.enable();

        assertThat(client.getProxy("toggle").getListen()).as("same port again").isEqualTo(proxy.getListen());
        try (Socket again = connect(proxy)) {
            assertThat(roundTripMillis(again)).isLessThan(1_000);
        }
    }

    @Test
    void resetShouldEnableEveryProxyAndRemoveEveryToxic() throws Exception {
        Proxy proxy = client.createProxy("reset", "127.0.0.1:0", upstream(LoopbackServer.echo()));
        proxy.toxics().latency("lat", ToxicDirection.UPSTREAM, 500);
        proxy.toxics().limitData("lim", ToxicDirection.DOWNSTREAM, 1);
        proxy.disable();

        client.reset();

        Proxy after = client.getProxy("reset");
        assertThat(after.isEnabled()).isTrue();
        assertThat(after.toxics().getAll()).isEmpty();
        try (Socket socket = connect(after)) {
            assertThat(roundTripMillis(socket)).isLessThan(400);
        }
    }

    @Test
    void deleteShouldStopTheProxyAndForgetIt() throws Exception {
        Proxy proxy = client.createProxy("gone", "127.0.0.1:0", upstream(LoopbackServer.echo()));
        InetSocketAddress address = address(proxy);
        assertThat(client.getProxies()).extracting(Proxy::getName).containsExactly("gone");

        proxy.delete();

        assertThat(client.getProxyOrNull("gone")).isNull();
        assertThat(client.getProxies()).isEmpty();
        assertThat(catchThrowable(() -> new Socket(address.getAddress(), address.getPort()).close()))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void registeredForwardShouldBeAnOrdinaryProxyToClients() throws Exception {
        InetSocketAddress echo = ToxiproxyProxy.resolveUpstream(upstream(LoopbackServer.echo()));
        InetSocketAddress bound = api.register("db", new InetSocketAddress("127.0.0.1", 0), echo);

        Proxy proxy = client.getProxy("db");
        assertThat(proxy.getListen()).isEqualTo("127.0.0.1:" + bound.getPort());
        proxy.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 150);
        try (Socket socket = connect(proxy)) {
            assertThat(roundTripMillis(socket)).isGreaterThanOrEqualTo(150 - SLACK_MILLIS);
        }
    }

    @Test
    void registeredForwardShouldApplyItsBasePolicyAndItsToxicsTogether() throws Exception {
        InetSocketAddress source = ToxiproxyProxy.resolveUpstream(upstream(LoopbackServer.source(100_000, 5)));
        PolicyHolder base = new PolicyHolder(PolicyLoader.parse("""
                rules:
                  - name: cap
                    action: { type: limit-data, bytes: 5000, direction: down }
                """, "base.yaml"));
        api.register("capped", new InetSocketAddress("127.0.0.1", 0), source, base);
        Proxy proxy = client.getProxy("capped");
        proxy.toxics().latency("lat", ToxicDirection.DOWNSTREAM, 200);

        try (Socket socket = connect(proxy)) {
            long start = System.nanoTime();
            InputStream in = socket.getInputStream();
            int first = in.read();
            long firstByteMillis = (System.nanoTime() - start) / 1_000_000;
            byte[] rest = in.readAllBytes();

            assertThat(first).isNotEqualTo(-1);
            assertThat(firstByteMillis).as("the toxic's latency").isGreaterThanOrEqualTo(200 - SLACK_MILLIS);
            assertThat(1 + rest.length).as("the base policy's limit").isEqualTo(5_000);
        }

        base.swap(PolicyLoader.parse("rules: []\n", "open.yaml"));
        try (Socket socket = connect(proxy)) {
            socket.shutdownOutput();
            assertThat(socket.getInputStream().readAllBytes()).as("the base policy swapped").hasSize(100_000);
        }
    }

    // ---- helpers ----

    private String upstream(LoopbackServer.Behaviour behaviour) throws IOException {
        LoopbackServer server = LoopbackServer.start(behaviour);
        resources.add(server);
        return "127.0.0.1:" + server.address().getPort();
    }

    private static InetSocketAddress address(Proxy proxy) {
        String listen = proxy.getListen();
        int colon = listen.lastIndexOf(':');
        return new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
    }

    private static Socket connect(Proxy proxy) throws IOException {
        Socket socket = new Socket();
        socket.connect(address(proxy), 2_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** One byte out and back through an echo upstream. */
    private static long roundTripMillis(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        long start = System.nanoTime();
        out.write(42);
        out.flush();
        int back;
        try {
            back = in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no echo within 10 s", e);
        }
        assertThat(back).isEqualTo(42);
        return (System.nanoTime() - start) / 1_000_000;
    }
}
