package dev.censorsim.policy;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.StreamClassification;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.censorsim.policy.Policies.compile;
import static org.assertj.core.api.Assertions.assertThat;

class CompiledPolicyTest {

    private static String winner(CompiledPolicy policy, FlowFacts facts) {
        Verdict v = policy.evaluate(facts);
        return v.isPass() ? "pass" : v.rule().name();
    }

    @Test
    void firstMatchingRuleShouldWinInFileOrder() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: specific",
                "    match: { sni: [video.example.test] }",
                "    action: { type: reset }",
                "  - name: broad",
                "    match: { sni: [example.test] }",
                "    action: { type: blackhole }",
                "  - name: everything",
                "    action: { type: delay, latency: 10ms }");

        assertThat(winner(policy, Flows.tls("video.example.test"))).isEqualTo("specific");
        assertThat(winner(policy, Flows.tls("img.example.test"))).isEqualTo("broad");
        assertThat(winner(policy, Flows.tls("other.test"))).as("a rule without match matches every flow")
                .isEqualTo("everything");
        assertThat(policy.evaluate(Flows.tls("img.example.test")).action().type()).isEqualTo("blackhole");
    }

    @Test
    void passRuleFirstShouldExemptAllowListedNamesFromLaterRules() {
        CompiledPolicy policy = compile(
                "lists:",
                "  allowed: [allowed.test]",
                "rules:",
                "  - name: allow-listed",
                "    match: { sni: [\"@allowed\"] }",
                "    action: { type: pass }",
                "  - name: freeze-all",
                "    action: { type: freeze, after: 16kb }");
        RecordingFlowControl flow = new RecordingFlowControl();

        Verdict allowed = policy.evaluate(Flows.tls("cdn.allowed.test"));
        allowed.action().apply(flow);

        assertThat(allowed.rule().name()).isEqualTo("allow-listed");
        assertThat(flow.calls).as("pass must not touch the flow").isEmpty();
        assertThat(winner(policy, Flows.tls("other.test"))).isEqualTo("freeze-all");
        assertThat(allowed.rule().counters().flows()).as("pass hits are still counted").isEqualTo(1);
    }

    @Test
    void emptyMatchShouldMatchEveryFlowLikeAMissingOne() {
        CompiledPolicy policy = compile("rules:", "  - name: all", "    match: {}", "    action: { type: blackhole }");

        assertThat(winner(policy, Flows.to("192.0.2.1", 1))).isEqualTo("all");
        assertThat(winner(policy, Flows.tls("any.test"))).isEqualTo("all");
        assertThat(policy.needsContent()).isFalse();
    }

    @Test
    void keysShouldBeAndedAndEntriesOred() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: r",
                "    match: { sni: [a.test, b.test], port: [443, \"8000-8002\"], protocol: [tls] }",
                "    action: { type: reset }");
        StreamClassification aTls = new StreamClassification(Protocol.TLS, "a.test", null, List.of(), false, false);
        StreamClassification bTls = new StreamClassification(Protocol.TLS, "b.test", null, List.of(), false, false);

        assertThat(winner(policy, Flows.flow("127.0.0.1", 443, null, aTls))).isEqualTo("r");
        assertThat(winner(policy, Flows.flow("127.0.0.1", 8002, null, bTls))).isEqualTo("r");
        assertThat(winner(policy, Flows.flow("127.0.0.1", 8003, null, bTls))).as("port fails").isEqualTo("pass");
        assertThat(winner(policy, Flows.flow("127.0.0.1", 443, null,
                new StreamClassification(Protocol.TLS, "c.test", null, List.of(), false, false))))
                .as("sni fails").isEqualTo("pass");
        assertThat(winner(policy, Flows.flow("127.0.0.1", 443, null,
                new StreamClassification(Protocol.HTTP, "a.test", null, List.of(), false, false))))
                .as("protocol fails").isEqualTo("pass");
    }

    @Test
    void eachNameKeyShouldReadItsOwnFieldAndDomainAnyOfThem() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: by-sni",
                "    match: { sni: [s.test] }",
                "    action: { type: reset }",
                "  - name: by-host",
                "    match: { host: [h.test] }",
                "    action: { type: reset }",
                "  - name: by-target",
                "    match: { target: [t.test] }",
                "    action: { type: reset }",
                "  - name: by-domain",
                "    match: { domain: [d.test] }",
                "    action: { type: reset }");

        assertThat(winner(policy, Flows.tls("s.test"))).isEqualTo("by-sni");
        assertThat(winner(policy, Flows.http("s.test"))).as("sni does not look at Host").isEqualTo("pass");
        assertThat(winner(policy, Flows.http("h.test"))).isEqualTo("by-host");
        assertThat(winner(policy, Flows.tls("h.test"))).isEqualTo("pass");
        assertThat(winner(policy, Flows.socks("t.test"))).isEqualTo("by-target");
        assertThat(winner(policy, Flows.tls("t.test"))).isEqualTo("pass");
        assertThat(winner(policy, Flows.tls("d.test"))).isEqualTo("by-domain");
        assertThat(winner(policy, Flows.http("d.test"))).isEqualTo("by-domain");
        assertThat(winner(policy, Flows.socks("x.d.test"))).isEqualTo("by-domain");
        assertThat(winner(policy, Flows.tls(null))).as("no name at all").isEqualTo("pass");
    }

    @Test
    void labelModeShouldMatchOnLabelBoundariesIgnoringCaseAndTrailingDot() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: r",
                "    match: { sni: [whatsapp.net] }",
                "    action: { type: reset }");

        assertThat(winner(policy, Flows.tls("whatsapp.net"))).isEqualTo("r");
        assertThat(winner(policy, Flows.tls("MMG.WhatsApp.NET"))).as("SNI case change is no evasion").isEqualTo("r");
        assertThat(winner(policy, Flows.tls("whatsapp.net."))).as("trailing dot is no evasion").isEqualTo("r");
        assertThat(winner(policy, Flows.tls("notwhatsapp.net"))).isEqualTo("pass");
        assertThat(winner(policy, Flows.tls("whatsapp.net.evil.test"))).isEqualTo("pass");
    }

    @Test
    void substringModeShouldReproduceTheTwitterCollateralDamage() {
        String[] rule = {
                "  - name: twitter",
                "    match: { sni: [t.co], matching: substring }",
                "    action: { type: throttle, rate: 130kbit }"};
        CompiledPolicy substring = compile("rules:", rule[0], rule[1], rule[2]);
        CompiledPolicy label = compile("rules:", rule[0], rule[1].replace("substring", "label"), rule[2]);

        assertThat(winner(substring, Flows.tls("t.co"))).isEqualTo("twitter");
        assertThat(winner(substring, Flows.tls("www.microsoft.com"))).isEqualTo("twitter");
        assertThat(winner(substring, Flows.tls("REDDIT.CO.UK")).equals("twitter"))
                .as("'t.co' inside 'reddit.co.uk', case-insensitively").isTrue();
        assertThat(winner(substring, Flows.tls("twitter.com"))).as("no 't.co' in it").isEqualTo("pass");
        assertThat(winner(label, Flows.tls("www.microsoft.com"))).isEqualTo("pass");
        assertThat(winner(label, Flows.tls("t.co"))).isEqualTo("twitter");
    }

    @Test
    void dpiMatchingShouldBeTheDefaultAndARuleMayOverrideIt() {
        CompiledPolicy policy = compile(
                "dpi: { matching: substring }",
                "rules:",
                "  - name: strict",
                "    match: { sni: [ok.test], matching: label }",
                "    action: { type: reset }",
                "  - name: loose",
                "    match: { sni: [t.co] }",
                "    action: { type: reset }");

        assertThat(winner(policy, Flows.tls("book.test"))).as("label mode in 'strict'").isEqualTo("pass");
        assertThat(winner(policy, Flows.tls("microsoft.com"))).isEqualTo("loose");
    }

    @Test
    void rulesNamingTheSameListShouldShareOneDomainMatcher() {
        CompiledPolicy policy = compile(
                "lists:",
                "  whatsapp: [whatsapp.net, whatsapp.com, wa.me]",
                "rules:",
                "  - name: a",
                "    match: { sni: [\"@whatsapp\", extra.test] }",
                "    action: { type: reset }",
                "  - name: b",
                "    match: { host: [\"@whatsapp\"], domain: [\"@whatsapp\"] }",
                "    action: { type: reset }");
        NameMatcher.Label aSni = (NameMatcher.Label) policy.rules().get(0).match().sni();
        NameMatcher.Label bHost = (NameMatcher.Label) policy.rules().get(1).match().host();
        NameMatcher.Label bDomain = (NameMatcher.Label) policy.rules().get(1).match().domain();

        assertThat(aSni.parts()).hasSize(2);
        assertThat(bHost.parts()).hasSize(1);
        assertThat(aSni.parts().get(1)).isSameAs(bHost.parts().get(0)).isSameAs(bDomain.parts().get(0));
        assertThat(winner(policy, Flows.tls("web.whatsapp.com"))).isEqualTo("a");
        assertThat(winner(policy, Flows.tls("extra.test"))).isEqualTo("a");
        assertThat(winner(policy, Flows.http("wa.me"))).isEqualTo("b");
    }

    @Test
    void cidrAndEchAndProtocolShouldMatch() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: ech",
                "    match: { sni: [cloudflare-ech.com], ech: true }",
                "    action: { type: blackhole }",
                "  - name: plain-http",
                "    match: { protocol: [http] }",
                "    action: { type: reset }",
                "  - name: lab",
                "    match: { cidr: [127.0.0.0/8, \"::1\"] }",
                "    action: { type: freeze, after: 16kb }");

        assertThat(winner(policy, Flows.tls("cloudflare-ech.com", true))).isEqualTo("ech");
        assertThat(winner(policy, Flows.tls("cloudflare-ech.com", false))).isEqualTo("lab");
        assertThat(winner(policy, Flows.http("any.test"))).isEqualTo("plain-http");
        assertThat(winner(policy, Flows.to("::1", 443))).isEqualTo("lab");
        assertThat(winner(policy, Flows.to("::2", 443))).isEqualTo("pass");
        assertThat(winner(policy, Flows.to("192.0.2.1", 443))).isEqualTo("pass");
    }

    @Test
    void countersShouldCountFlowsOnTheWinningRuleOnly() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - name: first",
                "    match: { sni: [a.test] }",
                "    action: { type: reset }",
                "  - name: second",
                "    action: { type: blackhole }");
        CompiledRule first = policy.rules().get(0);
        CompiledRule second = policy.rules().get(1);

        policy.evaluate(Flows.tls("a.test"));
        policy.evaluate(Flows.tls("x.a.test"));
        policy.evaluate(Flows.tls("b.test"));
        first.counters().addBytesUp(517);
        first.counters().addBytesDown(16_000);
        first.counters().addBytesDown(1);

        assertThat(first.counters().flows()).isEqualTo(2);
        assertThat(second.counters().flows()).isEqualTo(1);
        assertThat(first.counters().bytesUp()).isEqualTo(517);
        assertThat(first.counters().bytesDown()).isEqualTo(16_001);
        assertThat(second.counters().bytesDown()).isZero();
    }

    @Test
    void verdictShouldBeTheSameObjectForEveryFlowOfARule() {
        CompiledPolicy policy = compile("rules:", "  - name: all", "    action: { type: reset }");

        assertThat(policy.evaluate(Flows.tls("a.test"))).as("evaluate allocates no verdict per flow")
                .isSameAs(policy.evaluate(Flows.tls("b.test")));
    }

    @Test
    void needsContentShouldBeTrueOnlyWhenARuleReadsTheFirstBytes() {
        assertThat(compile("rules:", "  - name: a", "    match: { port: [443], cidr: [10.0.0.0/8], target: [x.test] }",
                "    action: { type: reset }").needsContent())
                .as("port, cidr and the SOCKS5 target are known before the first byte").isFalse();
        for (String key : new String[]{"sni: [x.test]", "host: [x.test]", "domain: [x.test]", "protocol: [tls]",
                "ech: false"}) {
            assertThat(compile("rules:", "  - name: a", "    match: { " + key + " }", "    action: { type: reset }")
                    .needsContent()).as(key).isTrue();
        }
    }

    @Test
    void holderSwapShouldPublishTheNewPolicy() {
        CompiledPolicy before = compile("rules:", "  - name: a", "    action: { type: reset }");
        CompiledPolicy after = CompiledPolicy.empty();
        PolicyHolder holder = new PolicyHolder(before);

        assertThat(holder.current()).isSameAs(before);
        holder.swap(after);
        assertThat(holder.current()).isSameAs(after);
        assertThat(holder.current().evaluate(Flows.tls("a.test")).isPass()).isTrue();
    }
}
