package dev.censorsim.proxy.udp;

import dev.censorsim.benchmarks.proxy.UdpRelayBenchmark;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
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

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The forward UDP relay's own per-datagram work, without the kernel: a burst of {@value #BURST} client datagrams
 * through {@code UdpFrontendHandler} (flow lookup by sender, count, policy, write to the flow's upstream, one flush at
 * the end of the burst), then {@value #BURST} server replies through {@code UdpUpstreamHandler} back to the client
 * (envelope, write, flush). Both sockets are embedded channels, so what {@code -prof gc} reports per operation is the
 * relay's allocation per datagram, not the JDK's or the kernel's; the datagrams themselves are reused, as Netty's
 * pooled receive buffers would be. {@code pass}: no rules; {@code voice}: the call-blocking rules, with an RTP flow
 * they classify and let pass.
 *
 * <p>The bursts run on a Netty event loop thread, as in the relay: Netty 4.2 recycles its write-queue entries only on
 * its own (fast thread-local) threads, so on JMH's worker thread every write would allocate one. Each invocation hands
 * {@value #ROUNDS} bursts each way to that thread and waits for them (park/unpark, no allocation).
 *
 * <p>It sits in the relay's package (in this module) because the handlers are package-private.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar UdpPassPathBenchmark -prof gc}
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UdpPassPathBenchmark {

    /** Datagrams per read batch, each way. */
    static final int BURST = 16;
    /** Bursts each way per invocation: the hand-off to the event loop is paid once per {@value} bursts. */
    static final int ROUNDS = 128;

    /** {@code pass}: no rules; {@code voice}: the call rules with a flow they let pass. */
    @Param({"pass", "voice"})
    public String policy;

    /**
     * {@code buffer}: each datagram arrives in a buffer of its own (NIO); {@code area}: as from epoll's receive area,
     * so the relay copies each one into a pooled buffer of its own length first ({@code DatagramBatches.own}).
     */
    @Param({"buffer", "area"})
    public String receive;

    private DefaultEventLoop loop;
    private final Runnable rounds = this::runRounds;
    private volatile Thread waiter;
    private volatile boolean done;
    private int relayed;
    private EmbeddedChannel front;
    private EmbeddedChannel upstream;
    private final DatagramPacket[] fromClient = new DatagramPacket[BURST];
    private final DatagramPacket[] fromServer = new DatagramPacket[BURST];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        loop = new DefaultEventLoop(new DefaultThreadFactory("udp-pass-path"));
        loop.submit(() -> {
            open();
            return null;
        }).get();
    }

    private void open() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        InetSocketAddress relayAddress = new InetSocketAddress(loopback, 5300);
        InetSocketAddress server = new InetSocketAddress(loopback, 5353);
        InetSocketAddress client = new InetSocketAddress(loopback, 40000);
        CompiledPolicy compiled = "voice".equals(policy)
                ? PolicyLoader.parse(UdpRelayBenchmark.VOICE_POLICY, "voice.yaml") : CompiledPolicy.empty();
        UdpRelayOptions options = UdpRelayOptions.forward(server).policy(new PolicyHolder(compiled)).build();
        InetSocketAddress upstreamAddress = new InetSocketAddress(loopback, 40001);
        upstream = new AddressedChannel(upstreamAddress);
        UdpFrontendHandler frontend = new UdpFrontendHandler(options, (to, path) -> upstream,
                "area".equals(receive) ? new DatagramBatches.ReceiveArea() : null);
        front = new AddressedChannel(relayAddress);
        EmptyDatagramHandler.addTo(front);
        front.pipeline().addLast(UdpRelay.FRONTEND_HANDLER, frontend);
        for (int i = 0; i < BURST; i++) {
            // RTP (version 2, payload type 111) of a 20 ms Opus frame: the voice rules classify the flow as a call.
            ByteBuf media = Unpooled.directBuffer(172).writeZero(172);
            media.setByte(0, 0x80).setByte(1, 111).setShort(2, i).setByte(11, 0x5e);
            fromClient[i] = new DatagramPacket(media, relayAddress, client);
            ByteBuf reply = Unpooled.directBuffer(172).writeZero(172);
            reply.setByte(0, 0x80).setByte(1, 111).setShort(2, i).setByte(11, 0x5f);
            fromServer[i] = new DatagramPacket(reply, upstreamAddress, server);
        }
        // The first burst opens the flow and classifies it; the trial measures the decided flow.
        for (int i = 0; i < 100; i++) {
            burst();
        }
        if (frontend.liveFlows() != 1) {
            throw new IllegalStateException("expected one flow, found " + frontend.liveFlows());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        loop.submit(this::close).get();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private void close() {
        front.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        for (int i = 0; i < BURST; i++) {
            ReferenceCountUtil.release(fromClient[i]);
            ReferenceCountUtil.release(fromServer[i]);
        }
    }

    /** Bursts of client datagrams to the server and of replies back: datagrams relayed per second. */
    @Benchmark
    @OperationsPerInvocation(2 * BURST * ROUNDS)
    public int roundTrips() {
        done = false;
        waiter = Thread.currentThread();
        loop.execute(rounds);
        while (!done) {
            LockSupport.park(this);
        }
        return relayed;
    }

    private void runRounds() {
        int n = 0;
        for (int r = 0; r < ROUNDS; r++) {
            n += burst();
        }
        relayed = n;
        done = true;
        LockSupport.unpark(waiter);
    }

    /** One burst each way, on the event loop. */
    private int burst() {
        for (int i = 0; i < BURST; i++) {
            front.pipeline().fireChannelRead(fromClient[i].retain());
        }
        front.pipeline().fireChannelReadComplete();
        int relayed = drain(upstream);
        for (int i = 0; i < BURST; i++) {
            upstream.pipeline().fireChannelRead(fromServer[i].retain());
        }
        upstream.pipeline().fireChannelReadComplete();
        return relayed + drain(front);
    }

    /** Takes what the relay wrote to {@code channel} and releases it, as the socket would once sent. */
    private static int drain(EmbeddedChannel channel) {
        int n = 0;
        Object written;
        while ((written = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(written);
            n++;
        }
        return n;
    }

    /** An embedded channel with a socket address of its own, as the relay logs and compares its local address. */
    private static final class AddressedChannel extends EmbeddedChannel {
        private final InetSocketAddress local;

        AddressedChannel(InetSocketAddress local) {
            this.local = local;
        }

        @Override
        protected SocketAddress localAddress0() {
            return local;
        }
    }
}
