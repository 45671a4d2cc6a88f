package dev.censorsim.dns;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the DNS server's input side: the query reader alone, and a whole answer (reader, zone lookup,
 * record surgery, writer) through {@link DnsMessageProcessor}. Seeds: {@code DnsFuzzTargetsTestInputs/<method>/}.
 */
class DnsFuzzTargetsTest {

    private static final DnsMessageProcessor PROCESSOR;

    static {
        try {
            PROCESSOR = new DnsMessageProcessor(List.of(DnsServerTest.messengerZone()), new PolicyHolder(
                    PolicyLoader.parse("""
                            rules:
                              - { name: strip, match: { qname: [g.whatsapp.net] }, action: { type: strip, types: [AAAA] } }
                              - { name: nx, match: { qname: [mmg.whatsapp.net] }, action: { type: nxdomain } }
                            """, "fuzz.yaml")));
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void queryReader(byte[] input) {
        ByteBuf buffer = Unpooled.wrappedBuffer(input);
        IncomingQuery query = DnsQueryReader.read(buffer);
        if (query != null && query.questionName() != null) {
            assertThat(query.questionName().length()).isLessThanOrEqualTo(255);
        }
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void answer(byte[] input) {
        ByteBuf out = Unpooled.buffer();
        try {
            int rcode = PROCESSOR.answer(Unpooled.wrappedBuffer(input), InetAddress.getLoopbackAddress(), out);
            if (rcode != DnsMessageProcessor.NO_RESPONSE) {
                assertThat(out.readableBytes()).isBetween(12, 65_535);
            }
        } finally {
            out.release();
        }
    }
}
