package dev.censorsim.proxy.udp;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * censorsim's own per-datagram work (count, classify while undecided, policy check, the action's treatment) allocates
 * nothing once a flow's protocol is decided; what the relay thread still allocates per datagram is Netty's datagram
 * envelope and the JDK's sender address (see the README's UDP figures).
 */
class UdpFlowAllocationTest {

    @Test
    void decidedFlowShouldDecideEachDatagramWithoutAllocating() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse(String.join("\n",
                "rules:",
                "  - { name: quic, match: { protocol: [quic], min-size: 1001 }, action: { type: drop } }",
                "  - { name: calls, match: { protocol: [rtp] }, action: { type: loss, p: 2%, r: 25% } }",
                "  - { name: jitter, action: { type: delay, latency: 20ms, jitter: 5ms } }",
                ""), "t.yaml");
        InetSocketAddress client = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), 50000);
        UdpFlow flow = new UdpFlow(client, server, null, new PolicyHolder(policy), null, new DatagramClassifier(),
                System.nanoTime());
        ByteBuf[] media = new ByteBuf[64];
        for (int i = 0; i < media.length; i++) {
            media[i] = Unpooled.wrappedBuffer(Datagrams.rtp(i, 0x1234));
        }
        long drops = 0;
        for (int i = 0; i < 20_000; i++) {
            drops += flow.onDatagram(i % 2 == 0, media[i % 64], System.nanoTime()) < 0 ? 1 : 0;
        }
        assertThat(flow.isDecided()).isTrue();
        assertThat(flow.protocol).isEqualTo(dev.censorsim.classify.Protocol.RTP);

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 200_000; i++) {
            drops += flow.onDatagram(i % 2 == 0, media[i % 64], System.nanoTime()) < 0 ? 1 : 0;
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(drops).as("the loss rule is the one applied").isPositive();
        assertThat(allocated).as("bytes allocated over 200,000 datagrams of a decided flow").isLessThan(1_024);
    }
}
