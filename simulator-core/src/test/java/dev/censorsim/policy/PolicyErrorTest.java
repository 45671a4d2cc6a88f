package dev.censorsim.policy;

import dev.censorsim.units.Durations;
import dev.censorsim.units.DataSize;
import dev.censorsim.units.DataRate;
import org.junit.jupiter.api.Test;

import static dev.censorsim.policy.Policies.error;
import static org.assertj.core.api.Assertions.assertThat;

/** Every class of bad policy file, with the exact {@code file:line:column} the error must point at. */
class PolicyErrorTest {

    private static void assertError(PolicyException e, int line, int column, String detail) {
        assertThat(e.file()).isEqualTo("policy.yaml");
        assertThat(e.line()).as("line of: %s", e.getMessage()).isEqualTo(line);
        assertThat(e.column()).as("column of: %s", e.getMessage()).isEqualTo(column);
        assertThat(e.detail()).isEqualTo(detail);
        assertThat(e.getMessage()).isEqualTo("policy.yaml:" + line + ":" + column + ": " + detail);
    }

    @Test
    void unknownActionTypeShouldPointAtTheTypeValueAndListTheTypes() {
        assertError(error(
                        "link: { rate: 50mbit }",
                        "lists:",
                        "  whatsapp: [whatsapp.net]",
                        "rules:",
                        "  - name: whatsapp-reset",
                        "    match: { sni: [\"@whatsapp\"] }",
                        "    action: { type: rst }"),
                7, 21, "unknown action type 'rst'; expected one of reset, blackhole, freeze, "
                        + "throttle, delay, pass, slow-close, stall, reset-peer, slicer, limit-data, chain; "
                        + "for UDP only drop, drop-after, loss; for DNS nxdomain, nodata, "
                        + "servfail, refused, timeout, sinkhole, strip, ttl");
    }

    @Test
    void yamlSyntaxErrorShouldPointWhereTheParserGaveUp() {
        assertError(error(
                        "rules:",
                        "  - name: a",
                        "    action: { type: reset"),
                4, 1, "invalid YAML: expected ',' or '}', but got <stream end> (while parsing a flow mapping "
                        + "started at 3:13)");
    }

    @Test
    void tabIndentationShouldBeASyntaxErrorAtTheTab() {
        PolicyException e = error("rules:", "\t- name: a");

        assertThat(e.line()).isEqualTo(2);
        assertThat(e.column()).isEqualTo(1);
        assertThat(e.detail()).startsWith("invalid YAML: ").contains("TAB");
    }

    @Test
    void unknownTopLevelKeyShouldListTheAllowedKeys() {
        assertError(error("link: { rate: 5mbit }", "rule:", "  - name: a"),
                2, 1, "unknown key 'rule' in the policy; expected one of link, dpi, inside, lists, rules, modules");
    }

    @Test
    void unknownKeysInRuleMatchActionLinkAndDpiShouldListTheAllowedKeys() {
        assertError(error("rules:", "  - name: a", "    action: { type: reset }", "    when: x"),
                4, 5, "unknown key 'when' in a rule; expected one of name, match, action, state-timeout");
        assertError(error("rules:", "  - name: a", "    match: { sni: [a.test], ip: [10.0.0.1] }",
                        "    action: { type: reset }"),
                3, 29, "unknown key 'ip' in 'match'; expected one of sni, host, target, domain, port, cidr, "
                        + "protocol, ech, min-size, matching, probability, seed");
        assertError(error("rules:", "  - name: a", "    action: { type: throttle, rate: 1mbit, burst: 10kb }"),
                3, 44, "unknown key 'burst' in a throttle action; expected one of type, rate, cut, direction, scope, "
                        + "toxicity");
        assertError(error("rules:", "  - name: a", "    action: { type: reset, after: 1kb }"),
                3, 28, "unknown key 'after' in a reset action; expected one of type, residual");
        assertError(error("link: { rate: 5mbit, burst: 1kb }"),
                1, 22, "unknown key 'burst' in 'link'; expected one of rate");
        assertError(error("dpi: { depth: 3 }"),
                1, 8, "unknown key 'depth' in 'dpi'; expected one of reassemble, max-bytes, matching, state-timeout");
    }

    @Test
    void wrongTypesShouldNameWhatWasExpectedAndWhatWasFound() {
        assertError(error("rules: { name: a }"),
                1, 8, "expected a list for 'rules', got a mapping");
        assertError(error("rules:", "  - name: { first: a }", "    action: { type: reset }"),
                2, 11, "expected a value for 'name', got a mapping");
        assertError(error("rules:", "  - name: a", "    match: { ech: \"yes please\" }", "    action: { type: reset }"),
                3, 19, "expected true or false for 'ech', got a string");
        assertError(error("rules:", "  - name: a", "    match: [sni]", "    action: { type: reset }"),
                3, 12, "expected a mapping for 'match', got a list");
        assertError(error("rules:", "  - just-a-string"),
                2, 5, "expected a mapping for a rule, got a string");
        assertError(error("rules:", "  - name: a", "    action: reset"),
                3, 13, "expected a mapping for 'action', got a string");
        assertError(error("dpi: { reassemble: 1 }"),
                1, 20, "expected true or false for 'reassemble', got an integer");
        assertError(error("rules:", "  - name: a", "    match: { sni: [] }", "    action: { type: reset }"),
                3, 19, "expected at least one entry in 'sni'");
    }

    @Test
    void missingRequiredKeysShouldPointAtTheEnclosingMapping() {
        assertError(error("rules:", "  - name: a", "    match: { sni: [a.test] }"),
                2, 5, "missing 'action' in rule 'a'");
        assertError(error("rules:", "  - action: { type: reset }"),
                2, 5, "missing 'name' in a rule");
        assertError(error("rules:", "  - name: a", "    action: { direction: up }"),
                3, 13, "missing 'type' in 'action'");
        assertError(error("rules:", "  - name: a", "    action: { type: freeze }"),
                3, 13, "missing 'after' in a freeze action");
        assertError(error("rules:", "  - name: a", "    action: { type: throttle, direction: up }"),
                3, 13, "expected 'rate' (e.g. 4mbit) or 'cut' (e.g. 0.75) in a throttle action");
    }

    @Test
    void unknownListShouldListTheDefinedLists() {
        assertError(error(
                        "lists:",
                        "  whatsapp: [whatsapp.net]",
                        "  telegram: [t.me]",
                        "rules:",
                        "  - name: a",
                        "    match: { sni: [a.test, \"@signal\"] }",
                        "    action: { type: reset }"),
                6, 28, "unknown list '@signal'; expected one of @whatsapp, @telegram");
        assertError(error("rules:", "  - name: a", "    match: { domain: \"@x\" }", "    action: { type: reset }"),
                3, 22, "unknown list '@x'; no lists are defined under 'lists'");
    }

    @Test
    void badCidrShouldPointAtTheEntry() {
        assertError(error("rules:", "  - name: a", "    match: { cidr: [10.0.0.0/8, 10.0.0.300/32] }",
                        "    action: { type: reset }"),
                3, 33, "expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "
                        + "'10.0.0.300/32'");
        assertError(error("rules:", "  - name: a", "    match: { cidr: 10.0.0.0/33 }", "    action: { type: reset }"),
                3, 20, "prefix length 33 exceeds 32 in '10.0.0.0/33'");
        assertError(error("rules:", "  - name: a", "    match: { cidr: [\"10.1.2.3/8\"] }",
                        "    action: { type: reset }"),
                3, 21, "host bits set in '10.1.2.3/8'; did you mean 10.0.0.0/8?");
        assertError(error("rules:", "  - name: a", "    match: { cidr: [example.com] }", "    action: { type: reset }"),
                3, 21, "expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "
                        + "'example.com'");
    }

    @Test
    void badPortAndProtocolShouldPointAtTheEntry() {
        assertError(error("rules:", "  - name: a", "    match: { port: [443, \"1400-590\"] }",
                        "    action: { type: reset }"),
                3, 26, "port range '1400-590' ends before it starts");
        assertError(error("rules:", "  - name: a", "    match: { port: [70000] }", "    action: { type: reset }"),
                3, 21, "port 70000 is outside 1..65535 in '70000'");
        assertError(error("rules:", "  - name: a", "    match: { protocol: [tls, ssh] }", "    action: { type: reset }"),
                3, 30, "unknown protocol 'ssh'; expected one of tls, http, quic, stun, rtp, rtcp, dtls, dns, wireguard, openvpn, ikev2, esp, l2tp, fully-encrypted, whatsapp, mtproto, unknown");
    }

    @Test
    void badUnitsShouldNameTheExpectedForms() {
        assertError(error("link: { rate: 50mbps }"),
                1, 15, "unknown rate unit 'mbps' in '50mbps'; expected a rate such as " + DataRate.UNITS);
        assertError(error("rules:", "  - name: a", "    action: { type: freeze, after: 16 kilobytes }"),
                3, 36, "unknown size unit 'kilobytes' in '16 kilobytes'; expected a size such as " + DataSize.UNITS);
        assertError(error("rules:", "  - name: a", "    action: { type: delay, latency: 200 }"),
                3, 37, "duration '200' needs a unit; expected a duration such as " + Durations.UNITS);
        assertError(error("rules:", "  - name: a", "    action: { type: throttle, rate: -4mbit }"),
                3, 37, "expected a rate such as " + DataRate.UNITS + ", got '-4mbit'");
        assertError(error("link: { rate: 99999999999999999999gbit }"),
                1, 15, "rate '99999999999999999999gbit' is too large");
        assertError(error("dpi: { max-bytes: 32 }"),
                1, 19, "maxBytes must be within 64..1048576, was 32");
    }

    @Test
    void cutWithoutLinkRateShouldPointAtTheCut() {
        assertError(error("rules:", "  - name: a", "    action:", "      type: throttle", "      cut: 0.75"),
                5, 12, "'cut' is relative to the link rate; add 'link: { rate: ... }' to the policy or give an "
                        + "absolute 'rate'");
    }

    @Test
    void cutOutsideTheOpenUnitIntervalShouldBeRejected() {
        assertError(error("link: { rate: 1mbit }", "rules:", "  - name: a", "    action: { type: throttle, cut: 1 }"),
                4, 36, "'cut' must be within (0, 1) or (0%, 100%), got '1'");
        assertError(error("link: { rate: 1mbit }", "rules:", "  - name: a",
                        "    action: { type: throttle, cut: 120% }"),
                4, 36, "'cut' must be within (0, 1) or (0%, 100%), got '120%'");
        assertError(error("link: { rate: 1mbit }", "rules:", "  - name: a",
                        "    action: { type: throttle, cut: most }"),
                4, 36, "expected 'cut' as a fraction in (0, 1) such as 0.75, or a percentage such as 75%, got 'most'");
    }

    @Test
    void rateAndCutTogetherShouldPointAtTheCutKey() {
        assertError(error("link: { rate: 1mbit }", "rules:", "  - name: a",
                        "    action: { type: throttle, rate: 1kbit, cut: 0.5 }"),
                4, 44, "give either 'rate' or 'cut' in a throttle action, not both");
    }

    @Test
    void duplicateRuleNameShouldPointAtTheSecondNameAndTheFirst() {
        assertError(error(
                        "rules:",
                        "  - name: slow",
                        "    action: { type: delay, latency: 1s }",
                        "  - name: slow",
                        "    action: { type: reset }"),
                4, 11, "duplicate rule name 'slow'; first used at 2:11");
    }

    @Test
    void duplicateKeyShouldBeAnErrorInsteadOfTheLastOneWinning() {
        assertError(error("rules:", "  - name: a", "    action: { type: reset, type: blackhole }"),
                3, 28, "duplicate key 'type'; first given at 3:15");
    }

    @Test
    void badDirectionScopeAndMatchingModeShouldListTheChoices() {
        assertError(error("rules:", "  - name: a", "    action: { type: throttle, rate: 1mbit, direction: in }"),
                3, 55, "unknown direction 'in'; expected one of down, up, both");
        assertError(error("rules:", "  - name: a", "    action: { type: throttle, rate: 1mbit, scope: global }"),
                3, 51, "unknown scope 'global'; expected one of flow, rule");
        assertError(error("dpi: { matching: regex }"),
                1, 18, "unknown matching mode 'regex'; expected one of label, substring, raw");
    }

    @Test
    void aliasesAndSecondDocumentsShouldBeRejected() {
        assertError(error("lists:", "  a: &names [x.test]", "  b: *names"),
                3, 6, "YAML aliases (*names) are not supported in policy files");
        assertError(error("rules: []", "---", "rules: []"),
                3, 1, "expected a single YAML document");
    }

    @Test
    void badListEntriesShouldBeRejected() {
        assertError(error("lists:", "  a: [\"@b\"]"),
                2, 7, "lists cannot refer to other lists ('@b'); list the domains");
        assertError(error("lists:", "  a: [\"bad name.test\"]"),
                2, 7, "expected a domain name such as whatsapp.net, got 'bad name.test'");
    }
}
