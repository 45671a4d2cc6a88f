package dev.censorsim.proxy.udp;

import dev.censorsim.net.Transport;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.testing.LeakWatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Datagrams and conditions at the edges: empty payloads, no source ports left. */
@Timeout(60)
class UdpEdgeCaseTest {

    private final BlockingQueue<UdpFlowRecord> records = new LinkedBlockingQueue<>();

    @BeforeAll
    static void watchLeaks() {
        LeakWatch.install();
    }

    @AfterEach
    void noLeaks() throws InterruptedException {
        LeakWatch.assertNoLeaks();
    }

    @Test
    void anEmptyDatagramShouldNotOvertakeThoseWrittenBeforeIt() throws Exception {
        // As the relay writes a read batch and flushes at its end: A, then the empty one, then B, then one flush.
        EventLoopGroup group = Transport.current().newGroup(1, "empty-order");
        try (UdpPeer receiver = new UdpPeer()) {
            Channel channel = new Bootstrap().group(group)
                    .channelFactory(() -> Transport.current().newDatagramChannel(
                            SocketProtocolFamily.INET))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            EmptyDatagramHandler.addTo(ch); // as the relay installs it (none on io_uring)
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            channel.eventLoop().submit(() -> {
                channel.write(new DatagramPacket(
                        Unpooled.wrappedBuffer("A".getBytes()), receiver.address()));
                channel.write(new DatagramPacket(
                        Unpooled.EMPTY_BUFFER, receiver.address()));
                channel.write(new DatagramPacket(
                        Unpooled.wrappedBuffer("B".getBytes()), receiver.address()));
                channel.flush();
            }).sync();

            List<String> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                UdpPeer.Received received = receiver.receive(5_000);
                assertThat(received).as("datagram %d", i + 1).isNotNull();
                got.add(new String(received.payload()));
            }
            assertThat(got).containsExactly("A", "", "B");
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void emptyDatagramsShouldBeRelayedBothWays() throws Exception {
        try (UdpPeer server = new UdpPeer();
             UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(server.address())
                     .policy(new PolicyHolder(CompiledPolicy.empty())).idleTimeout(Duration.ofSeconds(5))
                     .listener(records::add).build());
             UdpPeer client = new UdpPeer()) {
            // A zero-length datagram is a valid datagram (keep-alives, NAT probes): it must cross the censor.
            client.send(new byte[0], relay.localAddress());
            UdpPeer.Received got = server.receive(5_000);
            assertThat(got).as("the empty datagram reached the server").isNotNull();
            assertThat(got.payload()).isEmpty();
            // UDP promises no delivery, and one full-suite run on a busy box lost the single empty reply (isolated
            // reruns never did): send it up to three times; what is asserted is that an empty datagram crosses at all.
            UdpPeer.Received back = null;
            for (int attempt = 0; attempt < 3 && back == null; attempt++) {
                server.send(new byte[0], got.from());
                back = client.receive(3_000);
            }
            assertThat(back).as("the empty reply reached the client").isNotNull();
            assertThat(back.payload()).isEmpty();
        }
    }
}
