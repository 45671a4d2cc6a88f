package dev.censorsim.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The delay queue's limits and what it keeps: datagrams of their own length, within byte budgets. */
class DelayedDatagramsTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 5300);

    @Test
    void aFlowShouldDropWhatGoesPastItsByteBudgetAndKeepTheRest() {
        EmbeddedChannel channel = new EmbeddedChannel();
        DelayedDatagrams delayed = new DelayedDatagrams(channel.eventLoop());
        UdpFlow flow = flow();
        int size = 60_000;
        List<ByteBuf> sent = new ArrayList<>();
        long fit = DelayedDatagrams.MAX_BYTES_PER_FLOW / size;
        for (int i = 0; i < fit + 5; i++) {
            ByteBuf datagram = Unpooled.directBuffer(size).writeZero(size);
            sent.add(datagram);
            delayed.add(flow, channel, datagram, TimeUnit.SECONDS.toNanos(10));
        }

        assertThat(flow.delayedInFlight).isEqualTo((int) fit);
        assertThat(flow.delayedBytes).isEqualTo(fit * size).isLessThanOrEqualTo(DelayedDatagrams.MAX_BYTES_PER_FLOW);
        assertThat(sent.subList((int) fit, sent.size())).as("past the budget: released at once")
                .allMatch(b -> b.refCnt() == 0);
        delayed.releaseAll();
        assertThat(sent).as("the rest, when the relay closes").allMatch(b -> b.refCnt() == 0);
        assertThat(delayed.bytes()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void allFlowsTogetherShouldStayWithinTheRelaysBudget() {
        EmbeddedChannel channel = new EmbeddedChannel();
        DelayedDatagrams delayed = new DelayedDatagrams(channel.eventLoop());
        int size = 60_000;
        long flows = DelayedDatagrams.MAX_BYTES / DelayedDatagrams.MAX_BYTES_PER_FLOW + 2;
        for (int f = 0; f < flows; f++) {
            UdpFlow flow = flow();
            for (int i = 0; i < DelayedDatagrams.MAX_BYTES_PER_FLOW / size; i++) {
                delayed.add(flow, channel, Unpooled.directBuffer(size).writeZero(size), TimeUnit.SECONDS.toNanos(10));
            }
        }

        assertThat(delayed.bytes()).isLessThanOrEqualTo(DelayedDatagrams.MAX_BYTES)
                .isGreaterThan(DelayedDatagrams.MAX_BYTES - 2L * DelayedDatagrams.MAX_BYTES_PER_FLOW);
        delayed.releaseAll();
        channel.finishAndReleaseAll();
    }

    @Test
    void compactShouldCopyASliceOrAnOversizedBufferAndKeepAnExactOne() {
        ByteBuf big = Unpooled.directBuffer(65_535).writeBytes(new byte[] {1, 2, 3});
        ByteBuf compacted = DatagramBatches.compact(big);
        assertThat(compacted).isNotSameAs(big);
        assertThat(compacted.capacity()).isEqualTo(3);
        assertThat(big.refCnt()).as("the 64 KiB buffer is released").isZero();

        ByteBuf backing = Unpooled.directBuffer(65_535).writeZero(100);
        ByteBuf slice = backing.retainedSlice(10, 20);
        backing.release();
        ByteBuf fromSlice = DatagramBatches.compact(slice);
        assertThat(fromSlice.capacity()).isEqualTo(20);
        assertThat(backing.refCnt()).as("the slice's buffer is released with it").isZero();

        ByteBuf exact = Unpooled.directBuffer(20, 20).writeZero(20);
        assertThat(DatagramBatches.compact(exact)).isSameAs(exact);
        compacted.release();
        fromSlice.release();
        exact.release();
    }

    @Test
    void aDatagramReadAfterTheRelayEndedItsFlowsShouldOpenNoFlowAndLeakNothing() throws Exception {
        // UdpRelay.close() ends every flow, then closes the socket: a datagram read in between opened a flow whose
        // delayed datagrams nothing released (the group's shutdown cancels the delay timer without running it).
        InetSocketAddress relayAddress = new InetSocketAddress("127.0.0.1", 5300);
        UdpRelayOptions options = UdpRelayOptions.forward(SERVER).policy(new PolicyHolder(PolicyLoader.parse(
                "rules: [ { name: slow, action: { type: delay, latency: 5s } } ]\n", "t.yaml"))).build();
        EmbeddedChannel upstream = new Addressed(new InetSocketAddress("127.0.0.1", 40001));
        UdpFrontendHandler frontend = new UdpFrontendHandler(options, (to, path) -> upstream, null);
        EmbeddedChannel front = new Addressed(relayAddress);
        front.pipeline().addLast(frontend);

        frontend.endAll(UdpFlowEnd.SHUTDOWN);
        ByteBuf datagram = Unpooled.directBuffer(8).writeZero(8);
        front.writeInbound(new io.netty.channel.socket.DatagramPacket(datagram, relayAddress, CLIENT));

        assertThat(frontend.liveFlows()).isZero();
        assertThat(datagram.refCnt()).isZero();
        front.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    /** An embedded channel with a local address, as the relay's handlers need one. */
    private static final class Addressed extends EmbeddedChannel {
        private final InetSocketAddress local;

        Addressed(InetSocketAddress local) {
            this.local = local;
        }

        @Override
        protected java.net.SocketAddress localAddress0() {
            return local;
        }
    }

    private static UdpFlow flow() {
        return new UdpFlow(CLIENT, SERVER, null, new PolicyHolder(CompiledPolicy.empty()), null,
                new DatagramClassifier(), System.nanoTime());
    }
}
