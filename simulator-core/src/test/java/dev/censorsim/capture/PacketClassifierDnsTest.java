package dev.censorsim.capture;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.dns.DnsMessageProcessor;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.trace.FrameBuilder;
import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The packet face applies a policy's DNS rules to DNS flows as censorsim's DNS server applies them to queries. */
class PacketClassifierDnsTest {

    private static final byte[] RESOLVER = {(byte) 198, 51, 100, 53};
    private static final long SECOND = 1_000_000_000L;
    private static final String POLICY = """
            rules:
              - name: nsdi-removal
                match: { qname: [whatsapp.com] }
                action: { type: nxdomain }
              - name: v6-only-for-office
                match: { qname: [telegram.org], qtype: [AAAA], cidr: [10.9.0.0/16] }
                action: { type: servfail }
              - name: quic-2022
                match: { protocol: [quic], port: [443], min-size: 1001 }
                action: { type: drop }
              - name: dns-port-loss
                match: { port: [53] }
                action: { type: loss, rate: 10% }
            """;

    private final List<FlowSummary> summaries = new ArrayList<>();
    private long time = 1_000 * SECOND;

    private PacketClassifier classifier(CompiledPolicy policy) {
        return new PacketClassifier(4096, 60 * SECOND, 64, InspectionSettings.DEFAULT, policy, summaries::add);
    }

    private void query(PacketClassifier classifier, byte[] client, int port, String name, int qtype) {
        byte[] frame = FrameBuilder.udp(client, port, RESOLVER, 53, UdpPayloads.dnsQuery(port, name, qtype));
        classifier.onPacket(Unpooled.wrappedBuffer(frame), 0, frame.length, frame.length, LinkType.ETHERNET,
                time += 1_000_000);
    }

    private FlowSummary flow(String name, int port) {
        return summaries.stream().filter(f -> name.equals(f.query()) && f.client().endsWith(":" + port)).findFirst()
                .orElseThrow();
    }

    @Test
    void queryShouldGetTheDnsRuleForItsNameTypeAndClient() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse(POLICY, "test.yaml");
        PacketClassifier classifier = classifier(policy);
        byte[] office = {10, 9, 1, 2};
        byte[] home = {10, 20, 1, 2};
        query(classifier, home, 40_001, "web.whatsapp.com", 1);
        query(classifier, home, 40_002, "WEB.WhatsApp.COM", 28);
        query(classifier, home, 40_003, "mmg.whatsapp.net", 1);
        query(classifier, office, 40_004, "core.telegram.org", 28);
        query(classifier, office, 40_005, "core.telegram.org", 1);
        query(classifier, home, 40_006, "core.telegram.org", 28);
        classifier.finish();

        assertThat(summaries).hasSize(6).allSatisfy(f -> assertThat(f.protocol()).isEqualTo(Protocol.DNS));
        assertThat(flow("web.whatsapp.com", 40_001).rule()).isEqualTo("nsdi-removal");
        assertThat(flow("web.whatsapp.com", 40_001).action()).isEqualTo(policy.dnsRules().get(0).action().describe());
        assertThat(flow("WEB.WhatsApp.COM", 40_002).rule()).as("the server matches names case-insensitively")
                .isEqualTo("nsdi-removal");
        assertThat(flow("mmg.whatsapp.net", 40_003).rule()).as("label match, no DNS rule: the UDP rules apply")
                .isEqualTo("dns-port-loss");
        assertThat(flow("core.telegram.org", 40_004).rule()).isEqualTo("v6-only-for-office");
        assertThat(flow("core.telegram.org", 40_005).rule()).as("qtype A").isEqualTo("dns-port-loss");
        assertThat(flow("core.telegram.org", 40_006).rule()).as("client outside the cidr").isEqualTo("dns-port-loss");
        assertThat(classifier.dnsRules()).extracting(DnsRule::name).containsExactly("nsdi-removal", "v6-only-for-office");
        assertThat(classifier.flowsByDnsRule(0)).isEqualTo(2);
        assertThat(classifier.packetsByDnsRule(0)).isEqualTo(2);
        assertThat(classifier.flowsByDnsRule(1)).isEqualTo(1);
        assertThat(classifier.rules()).hasSize(2);
        assertThat(classifier.flowsByRule(1)).as("dns-port-loss").isEqualTo(3);
    }

    @Test
    void everyQueryShouldGetTheRuleTheDnsServerApplies() throws Exception {
        CompiledPolicy policy = PolicyLoader.load(Path.of("../scenarios/policies/whatsapp-2026-dns.yaml"));
        DnsRule removal = policy.dnsRules().get(0);
        DnsMessageProcessor server = new DnsMessageProcessor(List.of(), new PolicyHolder(policy));
        PacketClassifier classifier = classifier(policy);
        List<String> names = List.of("whatsapp.com", "web.whatsapp.com", "WhatsApp.com", "mmg.whatsapp.net", "wa.me",
                "whatsapp.com.evil.test", "notwhatsapp.com", "static.whatsapp.com", "vk.com");
        SplittableRandom random = new SplittableRandom(3);
        Map<Integer, Boolean> serverApplied = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String name = names.get(random.nextInt(names.size()));
            int qtype = random.nextBoolean() ? 1 : 28;
            byte[] client = {10, 30, (byte) random.nextInt(256), (byte) random.nextInt(1, 255)};
            int port = 20_000 + i;
            long before = removal.queries();
            ByteBuf out = Unpooled.buffer();
            server.answer(Unpooled.wrappedBuffer(UdpPayloads.dnsQuery(port, name, qtype)),
                    InetAddress.getByAddress(client), out);
            out.release();
            serverApplied.put(port, removal.queries() > before);
            query(classifier, client, port, name, qtype);
        }
        classifier.finish();

        assertThat(summaries).hasSize(300);
        assertThat(serverApplied).containsValue(true).containsValue(false);
        for (FlowSummary flow : summaries) {
            int port = Integer.parseInt(flow.client().substring(flow.client().lastIndexOf(':') + 1));
            assertThat(flow.rule() != null).as("rule of %s (%s)", flow.query(), flow.client())
                    .isEqualTo(serverApplied.get(port));
        }
    }

    @Test
    void policyWithoutDnsRulesShouldLeaveDnsFlowsToTheUdpRules() throws Exception {
        PacketClassifier classifier = classifier(PolicyLoader.parse("""
                rules:
                  - name: sni-reset
                    match: { sni: [whatsapp.com] }
                    action: { type: reset }
                """, "test.yaml"));
        query(classifier, new byte[] {10, 20, 1, 2}, 40_001, "web.whatsapp.com", 1);
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(f -> assertThat(f.rule()).isNull());
        assertThat(classifier.dnsRules()).isEmpty();
    }
}
