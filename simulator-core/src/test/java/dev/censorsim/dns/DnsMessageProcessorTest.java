package dev.censorsim.dns;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DnsMessageProcessorTest {

    private static DnsMessageProcessor processor() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: removal
                    match: { qname: [whatsapp.com] }
                    action: { type: nxdomain }
                """, "p.yaml");
        return new DnsMessageProcessor(List.of(DnsServerTest.messengerZone(),
                Zone.builder("whatsapp.com").a("web.whatsapp.com", "127.0.0.1").build()), new PolicyHolder(policy));
    }

    @Test
    void questionShouldBeEchoedByteForByteIncludingMixedCase() throws Exception {
        byte[] query = RawDns.query(77, "G.wHaTsApP.NeT", 1, 0);
        ByteBuf out = Unpooled.buffer();

        int rcode = processor().answer(Unpooled.wrappedBuffer(query), InetAddress.getLoopbackAddress(), out);

        byte[] reply = new byte[out.readableBytes()];
        out.getBytes(0, reply);
        assertThat(rcode).isZero();
        assertThat(java.util.Arrays.copyOfRange(reply, 12, query.length))
                .as("DNS 0x20 clients check the echoed case").isEqualTo(java.util.Arrays.copyOfRange(query, 12, query.length));
        assertThat(RawDns.answerCount(reply)).isEqualTo(1);
    }

    @Test
    void answerPathShouldAllocateLittlePerQuery() throws Exception {
        DnsMessageProcessor processor = processor();
        ByteBuf[] queries = {
                Unpooled.wrappedBuffer(RawDns.query(1, "g.whatsapp.net", 1, 0)),
                Unpooled.wrappedBuffer(RawDns.query(2, "web.whatsapp.com", 1, 1232)),
                Unpooled.wrappedBuffer(RawDns.query(3, "nope.whatsapp.net", 28, 0)),
        };
        ByteBuf out = Unpooled.buffer(1500);
        InetAddress client = InetAddress.getLoopbackAddress();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        int[] rcodes = new int[6];
        for (int i = 0; i < 50_000; i++) {
            out.clear();
            processor.answer(queries[i % 3], client, out);
        }
        int n = 30_000;
        long before = mx.getThreadAllocatedBytes(thread);
        for (int i = 0; i < n; i++) {
            out.clear();
            rcodes[processor.answer(queries[i % 3], client, out)]++;
        }
        long perQuery = (mx.getThreadAllocatedBytes(thread) - before) / n;

        assertThat(rcodes[0] + rcodes[3]).isEqualTo(n);
        assertThat(rcodes[3]).as("removed name and missing name").isEqualTo(2 * n / 3);
        assertThat(perQuery).as("bytes allocated per query (strings for the name, the answer's small objects)")
                .isLessThan(1024);
    }
}
