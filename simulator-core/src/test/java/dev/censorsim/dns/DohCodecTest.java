package dev.censorsim.dns;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DohCodecTest {

    private static final Zone ZONE = Zone.builder().ttl(42).a("g.whatsapp.net", "127.0.0.1").build();

    @Test
    void queryShouldBeAnsweredByTheProcessorAndReadBackWithItsTtl() throws Exception {
        DnsLookupResult result = roundTrip(new PolicyHolder(CompiledPolicy.empty()), "g.whatsapp.net");

        assertThat(result.outcome()).isEqualTo(DnsLookupOutcome.OK);
        assertThat(result.addresses()).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(result.ttlSeconds()).isEqualTo(42);
    }

    @Test
    void nxdomainFromAPolicyShouldReadAsNxdomain() throws Exception {
        PolicyHolder policy = new PolicyHolder(PolicyLoader.parse("""
                rules:
                  - { name: removal, match: { qname: [whatsapp.net] }, action: { type: nxdomain } }
                """, "p.yaml"));

        assertThat(roundTrip(policy, "g.whatsapp.net").outcome()).isEqualTo(DnsLookupOutcome.NXDOMAIN);
    }

    @Test
    void garbageBodiesShouldReadAsErrorsWithoutThrowingOrLeaking() {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[1 + random.nextInt(64)]; // never empty: Unpooled would hand out EMPTY_BUFFER
            random.nextBytes(bytes);
            ByteBuf body = Unpooled.wrappedBuffer(bytes);
            DnsLookupResult result = DohCodec.result(body, DnsRecordType.A, 1);
            assertThat(result.isOk()).as("random bytes are no answer").isFalse();
            assertThat(body.release()).as("the caller's buffer is left to the caller").isTrue();
        }
    }

    @Test
    void namesThatCannotBeDnsNamesShouldBeRefused() {
        assertThatThrownBy(() -> DohCodec.query(ByteBufAllocator.DEFAULT, "a..b", DnsRecordType.A))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DohCodec.query(ByteBufAllocator.DEFAULT, "x".repeat(64) + ".test", DnsRecordType.A))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static DnsLookupResult roundTrip(PolicyHolder policy, String name) {
        DnsMessageProcessor processor = new DnsMessageProcessor(List.of(ZONE), policy);
        ByteBuf query = DohCodec.query(ByteBufAllocator.DEFAULT, name, DnsRecordType.A);
        ByteBuf answer = Unpooled.buffer();
        try {
            assertThat(processor.answer(query, InetAddress.getLoopbackAddress(), answer))
                    .isNotEqualTo(DnsMessageProcessor.NO_RESPONSE);
            return DohCodec.result(answer, DnsRecordType.A, 1);
        } finally {
            query.release();
            answer.release();
        }
    }
}
