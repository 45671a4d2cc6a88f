package dev.censorsim.benchmarks.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The UDP relay against direct loopback, in one run: echoed datagrams per second with a window of
 * {@value #WINDOW} in flight, and the round trip of one 172-byte RTP-sized datagram (a 20 ms Opus frame), also
 * recorded into an HdrHistogram and printed as p50/p99 at the end of each trial. {@code direct} is the naive baseline
 * (client to echo server), {@code relay} the relay with no rules, {@code relay-voice} the relay under the shipped
 * call-blocking policy's rules with a flow they classify and let pass (the per-datagram policy path, not a shortcut).
 * Run with {@code -prof gc} to see the relay's allocation per datagram.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar UdpRelayBenchmark -prof gc}
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class UdpRelayBenchmark {

    static final int DATAGRAM_BYTES = 172;
    static final int WINDOW = 32;
    /**
     * The shipped call-blocking rules (and a delay rule on a port no benchmark flow uses): a voice flow is classified
     * as RTP and passes, so the per-datagram policy path runs in full. Shared with {@code UdpPassPathBenchmark}.
     */
    public static final String VOICE_POLICY = String.join("\n",
            "lists: { whatsapp: [whatsapp.net] }",
            "rules:",
            "  - { name: whatsapp-calls, match: { domain: ['@whatsapp'], protocol: [stun, rtp] }, action: { type: drop } }",
            "  - { name: quic-2022, match: { protocol: [quic], port: [443], min-size: 1001 }, action: { type: drop } }",
            "  - { name: stun-3478, match: { port: [3478], protocol: [stun] }, action: { type: drop } }",
            "  - { name: jitter, match: { port: [9] }, action: { type: delay, latency: 1ms } }",
            "");

    /** {@code direct}: loopback to the echo server; {@code relay}: no rules; {@code relay-voice}: call rules, passing. */
    @Param({"direct", "relay", "relay-voice"})
    public String path;

    private EchoServer server;
    private UdpRelay relay;
    /** Reused packets on a socket with a receive timeout, so a lost datagram cannot hang the run. */
    private DatagramSocket client;
    private final byte[] sendBytes = new byte[DATAGRAM_BYTES];
    private final byte[] receiveBytes = new byte[2048];
    private DatagramPacket send;
    private final DatagramPacket receive = new DatagramPacket(receiveBytes, receiveBytes.length);
    private Histogram rtt;
    private boolean recording;
    private long lost;
    private int sequence;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = EchoServer.start();
        InetSocketAddress target = server.address();
        if (!"direct".equals(path)) {
            CompiledPolicy policy = "relay-voice".equals(path)
                    ? PolicyLoader.parse(VOICE_POLICY, "voice.yaml") : CompiledPolicy.empty();
            relay = UdpRelay.start(UdpRelayOptions.forward(server.address()).policy(new PolicyHolder(policy)).build());
            target = relay.localAddress();
        }
        client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client.setReceiveBufferSize(4 << 20);
        client.setSoTimeout(1_000);
        client.connect(target);
        // An RTP header (version 2, PT 111) so the voice policy classifies the flow, as it would a call's media.
        sendBytes[0] = (byte) 0x80;
        sendBytes[1] = 111;
        sendBytes[11] = 0x5e;
        send = new DatagramPacket(sendBytes, sendBytes.length, target);
        rtt = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        recording = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (rtt.getTotalCount() > 0) {
            System.out.printf(Locale.ROOT, "%n[%s] HdrHistogram UDP round trip of %d B over %,d samples: p50=%.1f us "
                            + "p99=%.1f us p99.9=%.1f us max=%.1f us; datagrams lost: %d%n", path, DATAGRAM_BYTES,
                    rtt.getTotalCount(), rtt.getValueAtPercentile(50) / 1e3, rtt.getValueAtPercentile(99) / 1e3,
                    rtt.getValueAtPercentile(99.9) / 1e3, rtt.getMaxValue() / 1e3, lost);
        }
        client.close();
        if (relay != null) {
            relay.close();
        }
        server.close();
    }

    /** {@value #WINDOW} datagrams sent back to back, then their {@value #WINDOW} echoes received: datagrams/s. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(WINDOW)
    public int echoWindow() throws IOException {
        for (int i = 0; i < WINDOW; i++) {
            sequence++;
            sendBytes[2] = (byte) (sequence >>> 8);
            sendBytes[3] = (byte) sequence;
            client.send(send);
        }
        int got = 0;
        for (int i = 0; i < WINDOW; i++) {
            got += receiveOne();
        }
        return got;
    }

    /** One datagram out and its echo back. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int roundTrip() throws IOException {
        long start = System.nanoTime();
        sequence++;
        sendBytes[2] = (byte) (sequence >>> 8);
        sendBytes[3] = (byte) sequence;
        client.send(send);
        int got = receiveOne();
        if (recording) {
            rtt.recordValue(System.nanoTime() - start);
        }
        return got;
    }

    private int receiveOne() throws IOException {
        receive.setLength(receiveBytes.length);
        try {
            client.receive(receive);
            return receive.getLength();
        } catch (SocketTimeoutException e) {
            lost++;
            return 0;
        }
    }

    /** Echoes every datagram to its sender, on one platform thread, until closed. */
    static final class EchoServer implements AutoCloseable {
        private final DatagramChannel channel;
        private final Thread thread;

        private EchoServer(DatagramChannel channel) {
            this.channel = channel;
            this.thread = new Thread(this::run, "udp-echo");
            this.thread.setDaemon(true);
        }

        static EchoServer start() throws IOException {
            DatagramChannel channel = DatagramChannel.open();
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            EchoServer server = new EchoServer(channel);
            server.thread.start();
            return server;
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) channel.getLocalAddress();
        }

        private void run() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
            try {
                while (channel.isOpen()) {
                    buffer.clear();
                    java.net.SocketAddress from = channel.receive(buffer);
                    buffer.flip();
                    channel.send(buffer, from);
                }
            } catch (IOException closed) {
                // close() ends the loop.
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
