package dev.censorsim.benchmarks.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The censor proxy with no rules against a direct loopback connection, in one run: bulk throughput (1 MiB per
 * operation, acknowledged by the server, so the figure is end-to-end) and the round-trip time of a 64-byte
 * ping-pong. Round trips are also recorded into an HdrHistogram and printed as p50/p99/p99.9 at the end of each
 * trial, because the added latency of the proxy is the figure users compare with Toxiproxy's "under 100 µs".
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ProxyBenchmark}
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProxyBenchmark {

    static final int BULK_BYTES = 1 << 20;
    static final int PING_BYTES = 64;

    /** {@code direct}: client to server over loopback; {@code proxy}: through censorsim with no rules. */
    @Param({"direct", "proxy"})
    public String path;

    private LoopbackServer server;
    private CensorProxy proxy;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** Op byte then payload, sent in one write so both paths see one segment per request. */
    private final byte[] bulk = new byte[1 + BULK_BYTES];
    private final byte[] ping = new byte[1 + PING_BYTES];
    private final byte[] pong = new byte[PING_BYTES];
    private final byte[] ack = new byte[1];
    private Histogram rtt;
    private boolean recording;
    private long ops;
    private long proxyBytesAtStart;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = LoopbackServer.start();
        InetSocketAddress target = server.address();
        if ("proxy".equals(path)) {
            proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                    .policy(new PolicyHolder(CompiledPolicy.empty()))
                    .build());
            target = proxy.localAddress();
        }
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(target, 5_000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        rtt = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        bulk[0] = 'B';
        ping[0] = 'P';
    }

    /** Only measurement iterations go into the HdrHistogram, as they do into JMH's own figures. */
    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        recording = params.getType() == IterationType.MEASUREMENT;
        ops = 0;
        proxyBytesAtStart = proxyThreadsAllocatedBytes();
    }

    /**
     * Heap bytes the proxy's own event-loop threads allocated per operation in this iteration: the relay's hot path
     * alone. JMH's {@code -prof gc} figure counts every thread (this benchmark thread's sampling, the blocking
     * socket streams, the server), so it cannot show that the relay itself allocates nothing.
     */
    @TearDown(Level.Iteration)
    public void proxyAllocation() {
        if (proxy != null && ops > 0) {
            long bytes = proxyThreadsAllocatedBytes() - proxyBytesAtStart;
            System.out.printf(Locale.ROOT, "%n[proxy threads] %d B over %,d ops: %.3f B/op%n", bytes, ops,
                    (double) bytes / ops);
        }
    }

    /** Sum over the live threads named {@code censorsim-proxy-*} (the proxy's event loops). */
    private static long proxyThreadsAllocatedBytes() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("censorsim-proxy")) {
                long bytes = threads.getThreadAllocatedBytes(t.getId());
                sum += Math.max(0, bytes);
            }
        }
        return sum;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (rtt.getTotalCount() > 0) {
            System.out.printf(Locale.ROOT, "%n[%s] HdrHistogram round trip of %d B over %,d samples: p50=%.1f us "
                            + "p99=%.1f us p99.9=%.1f us max=%.1f us%n", path, PING_BYTES, rtt.getTotalCount(),
                    rtt.getValueAtPercentile(50) / 1e3, rtt.getValueAtPercentile(99) / 1e3,
                    rtt.getValueAtPercentile(99.9) / 1e3, rtt.getMaxValue() / 1e3);
        }
        socket.close();
        if (proxy != null) {
            proxy.close();
        }
        server.close();
    }

    /** Sends 1 MiB and waits for the server's one-byte acknowledgement that all of it arrived. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public int bulkMiB() throws IOException {
        ops++;
        out.write(bulk);
        out.flush();
        return readFully(ack);
    }

    /** One 64-byte request, echoed back whole. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int roundTrip() throws IOException {
        ops++;
        long start = System.nanoTime();
        out.write(ping);
        out.flush();
        int n = readFully(pong);
        if (recording) {
            rtt.recordValue(Math.min(System.nanoTime() - start, rtt.getHighestTrackableValue()));
        }
        return n;
    }

    private int readFully(byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            off += n;
        }
        return off;
    }

    /**
     * A blocking loopback server, one thread per connection. Protocol: {@code 'B'} + 1 MiB is answered with one
     * byte; {@code 'P'} + 64 bytes is echoed back.
     */
    static final class LoopbackServer implements AutoCloseable {
        private final ServerSocket listener;
        private final Thread acceptor;

        private LoopbackServer(ServerSocket listener) {
            this.listener = listener;
            this.acceptor = new Thread(this::acceptLoop, "bench-server");
            this.acceptor.setDaemon(true);
            this.acceptor.start();
        }

        static LoopbackServer start() throws IOException {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            return new LoopbackServer(listener);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    Thread t = new Thread(() -> serve(s), "bench-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void serve(Socket s) {
            byte[] buffer = new byte[BULK_BYTES];
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                s.setTcpNoDelay(true);
                int op;
                while ((op = in.read()) >= 0) {
                    int want = op == 'B' ? BULK_BYTES : PING_BYTES;
                    int off = 0;
                    while (off < want) {
                        int n = in.read(buffer, off, want - off);
                        if (n < 0) {
                            return;
                        }
                        off += n;
                    }
                    if (op == 'B') {
                        out.write(1);
                    } else {
                        out.write(buffer, 0, PING_BYTES);
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // the benchmark closed its socket
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
