package dev.censorsim.policy;

import dev.censorsim.policy.action.dns.NxdomainAction;
import dev.censorsim.policy.action.dns.SinkholeAction;
import dev.censorsim.policy.action.dns.StripAction;
import dev.censorsim.policy.action.dns.TtlAction;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static dev.censorsim.policy.Policies.compile;
import static dev.censorsim.policy.Policies.error;
import static org.assertj.core.api.Assertions.assertThat;

/** DNS rules: how they load, how they match, and that the TCP side never sees them (nor they TCP keys). */
class DnsRulesTest {

    private static final int A = 1;
    private static final int AAAA = 28;
    private static final int HTTPS = 65;

    @Test
    void dnsRulesShouldBeKeptApartFromTcpRules() {
        CompiledPolicy policy = compile(
                "lists:",
                "  removed: [whatsapp.com]",
                "rules:",
                "  - name: dns-removal",
                "    match: { qname: [\"@removed\"] }",
                "    action: { type: nxdomain }",
                "  - name: sni-reset",
                "    match: { sni: [\"@removed\"] }",
                "    action: { type: reset }");

        assertThat(policy.rules()).extracting(CompiledRule::name).containsExactly("sni-reset");
        assertThat(policy.dnsRules()).extracting(DnsRule::name).containsExactly("dns-removal");
        assertThat(policy.evaluate(Flows.tls("web.whatsapp.com")).rule().name())
                .as("the TCP proxy sees only the TCP rule").isEqualTo("sni-reset");
        assertThat(policy.dnsRules().get(0).action()).isEqualTo(new NxdomainAction());
    }

    @Test
    void qnameShouldMatchOnLabelBoundariesAndQtypeAndClientCidrShouldFilter() throws Exception {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: no-v6",
                "    match: { qname: [whatsapp.com], qtype: [aaaa, HTTPS], cidr: [127.0.0.0/8] }",
                "    action: { type: strip, types: [AAAA, HTTPS] }");
        InetAddress local = InetAddress.getByName("127.0.0.5");
        InetAddress other = InetAddress.getByName("192.0.2.1");

        assertThat(policy.evaluateDns("web.WhatsApp.com.", AAAA, local)).isNotNull();
        assertThat(policy.evaluateDns("whatsapp.com", HTTPS, local)).isNotNull();
        assertThat(policy.evaluateDns("notwhatsapp.com", AAAA, local)).as("label boundary").isNull();
        assertThat(policy.evaluateDns("whatsapp.com", A, local)).as("qtype filters").isNull();
        assertThat(policy.evaluateDns("whatsapp.com", AAAA, other)).as("cidr is the client's").isNull();
        assertThat(policy.dnsRules().get(0).queries()).isEqualTo(2);
        assertThat(((StripAction) policy.dnsRules().get(0).action()).recordTypes()).containsExactly(AAAA, HTTPS);
    }

    @Test
    void sinkholeAndTtlShouldParseTheirParameters() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: page",
                "    action: { type: sinkhole, ipv4: 10.10.34.34, ttl: 5m }",
                "  - name: short",
                "    action: { type: ttl, ttl: 0 }");

        SinkholeAction sinkhole = (SinkholeAction) policy.dnsRules().get(0).action();
        assertThat(sinkhole.ipv4Address()).containsExactly(10, 10, 34, 34);
        assertThat(sinkhole.ipv6Address()).isNull();
        assertThat(sinkhole.ttlSeconds()).isEqualTo(300);
        assertThat(policy.dnsRules().get(1).action()).isEqualTo(new TtlAction(0));
    }

    @Test
    void qnameOnATcpActionShouldBeALoadErrorAtTheKey() {
        PolicyException e = error(
                "rules:",
                "  - name: mixed",
                "    match: { sni: [a.test], qname: [a.test] }",
                "    action: { type: reset }");

        assertThat(e.getMessage()).startsWith("policy.yaml:3:29: 'qname' only applies to DNS rules");
    }

    @Test
    void sniOnADnsActionShouldBeALoadErrorAtTheKey() {
        PolicyException e = error(
                "rules:",
                "  - name: mixed",
                "    match: { qname: [a.test], sni: [a.test] }",
                "    action: { type: nxdomain }");

        assertThat(e.getMessage()).startsWith("policy.yaml:3:31: 'sni' does not apply to a DNS rule");
    }

    @Test
    void badDnsParametersShouldPointAtTheValue() {
        assertThat(error("rules:", "  - name: x", "    match: { qtype: [AAA] }", "    action: { type: nodata }")
                .getMessage()).startsWith("policy.yaml:3:22: unknown record type 'AAA'");
        assertThat(error("rules:", "  - name: x", "    action: { type: sinkhole, ipv4: \"::1\" }").getMessage())
                .startsWith("policy.yaml:3:37: expected an IPv4 address literal");
        assertThat(error("rules:", "  - name: x", "    action: { type: strip }").getMessage())
                .contains("'types'");
        assertThat(error("rules:", "  - name: x", "    action: { type: ttl, ttl: 1.5s }").getMessage())
                .contains("whole seconds");
    }
}
