package dev.censorsim.dns;

import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NameCompressionTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 5353);

    private static DnsMessageProcessor processor() throws Exception {
        Zone zone = Zone.builder("whatsapp.net")
                .soa("ns1.whatsapp.net", "hostmaster.whatsapp.net", 7, 3600, 600, 86400, 60)
                .a("g.whatsapp.net", "127.0.0.1")
                .a("two.whatsapp.net", "127.0.0.1")
                .a("two.whatsapp.net", "127.0.0.2")
                .cname("mmg.whatsapp.net", "g.whatsapp.net")
                .ns("whatsapp.net", "ns1.whatsapp.net")
                .build();
        return new DnsMessageProcessor(List.of(zone), new PolicyHolder(PolicyLoader.parse("rules: []\n", "p.yaml")));
    }

    private static byte[] answer(DnsMessageProcessor processor, String name, int type) {
        ByteBuf out = Unpooled.buffer();
        processor.answer(Unpooled.wrappedBuffer(RawDns.query(9, name, type, 0)), InetAddress.getLoopbackAddress(),
                out);
        return ByteBufUtil.getBytes(out);
    }

    /** Decodes with Netty's decoder, which follows pointers: what any resolver reads back. */
    private static List<String> decoded(byte[] reply, DnsSection section) {
        EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        try {
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(reply), CLIENT, CLIENT));
            DatagramDnsResponse response = ch.readInbound();
            try {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < response.count(section); i++) {
                    DnsRecord r = response.recordAt(section, i);
                    String rdata = r instanceof DnsRawRecord raw ? ByteBufUtil.hexDump(raw.content()) : "";
                    out.add(r.name() + " " + r.type().name() + " " + rdata);
                }
                return out;
            } finally {
                response.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void ownerNameShouldPointAtTheQuestionSoAnAAnswerIsAsShortAsNsds() throws Exception {
        byte[] reply = answer(processor(), "g.whatsapp.net", 1);

        // header 12 + question 20 + (pointer 2 + fixed 10 + address 4): nsd sends the same 48 bytes
        assertThat(reply).hasSize(48);
        assertThat(reply[32] & 0xff).isEqualTo(0xc0);
        assertThat(reply[33]).as("the pointer names the question at offset 12").isEqualTo((byte) 12);
    }

    @Test
    void everyRecordOfAnRrsetShouldShareTheQuestionsName() throws Exception {
        byte[] reply = answer(processor(), "TWO.WhatsApp.NET", 1);

        assertThat(decoded(reply, DnsSection.ANSWER)).containsExactly(
                "TWO.WhatsApp.NET. A 7f000001", "TWO.WhatsApp.NET. A 7f000002");
        assertThat(reply).hasSize(12 + 22 + 2 * 16);
    }

    @Test
    void cnameTargetShouldBeCompressedAndTheChainStillReadBack() throws Exception {
        byte[] reply = answer(processor(), "mmg.whatsapp.net", 1);

        List<String> answers = decoded(reply, DnsSection.ANSWER);
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0)).startsWith("mmg.whatsapp.net. CNAME");
        assertThat(answers.get(1)).isEqualTo("g.whatsapp.net. A 7f000001");
        // question 22; CNAME: 2 + 10 + ("g" + pointer = 4); the A: pointer into the CNAME's RDATA 2 + 10 + 4
        assertThat(reply).hasSize(12 + 22 + 16 + 16);
    }

    @Test
    void soaNamesInANegativeAnswerShouldBeCompressedAgainstTheQuestion() throws Exception {
        byte[] reply = answer(processor(), "nothing.whatsapp.net", 1);

        assertThat(reply[3] & 0xf).as("NXDOMAIN").isEqualTo(3);
        List<String> authority = decoded(reply, DnsSection.AUTHORITY);
        assertThat(authority).hasSize(1);
        assertThat(authority.get(0)).startsWith("whatsapp.net. SOA");
        // question 26; SOA: owner pointer 2 + 10 + MNAME ("ns1" + pointer 6) + RNAME ("hostmaster" + pointer 13) + 20
        assertThat(reply).hasSize(12 + 26 + 2 + 10 + 6 + 13 + 20);
    }

    @Test
    void nsHostShouldBeCompressed() throws Exception {
        byte[] reply = answer(processor(), "whatsapp.net", 2);

        assertThat(decoded(reply, DnsSection.ANSWER)).hasSize(1);
        // question 18; NS: owner pointer 2 + 10 + ("ns1" + pointer 6)
        assertThat(reply).hasSize(12 + 18 + 2 + 10 + 6);
    }
}
