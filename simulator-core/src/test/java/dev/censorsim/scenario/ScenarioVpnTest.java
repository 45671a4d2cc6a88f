package dev.censorsim.scenario;

import dev.censorsim.messenger.Strategies;
import dev.censorsim.messenger.VpnStrategy;
import dev.censorsim.messenger.vpn.VpnKind;
import dev.censorsim.policy.PolicyException;
import org.junit.jupiter.api.Test;

import static dev.censorsim.scenario.Scenarios.error;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code strategies: { vpn: ... }} and a phase's {@code vpn:}: what loads, what each phase uses, what is refused. */
class ScenarioVpnTest {

    private static final String[] HEAD = {"scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
        "    chat: { rate: 5/s }"};

    private static String[] lines(String strategies, String... timeline) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(HEAD));
        if (strategies != null) {
            all.add("  strategies: " + strategies);
        }
        all.addAll(java.util.List.of("policies:", "  open: {}", "timeline:"));
        all.addAll(java.util.List.of(timeline));
        return all.toArray(new String[0]);
    }

    @Test
    void vpnStrategyShouldLoadAsAKindOrAKindWithItsSni() throws Exception {
        Scenario plain = Scenarios.parse(lines("{ vpn: wireguard }",
                "  - { phase: a, duration: 5s, policy: open, expect: [ 'vpn.ok_ratio >= 0.9' ] }"));
        assertThat(plain.messenger().strategies().vpn()).isEqualTo(new VpnStrategy(VpnKind.WIREGUARD, null));
        Scenario tls = Scenarios.parse(lines("{ vpn: { kind: tls, sni: cdn.example.test } }",
                "  - { phase: a, duration: 5s, policy: open }"));
        assertThat(tls.messenger().strategies().vpn()).isEqualTo(new VpnStrategy(VpnKind.TLS, "cdn.example.test"));
        Scenario tlsDefault = Scenarios.parse(lines("{ vpn: tls }", "  - { phase: a, duration: 5s, policy: open }"));
        assertThat(tlsDefault.messenger().strategies().vpn().sni()).isEqualTo(VpnStrategy.DEFAULT_SNI);
    }

    @Test
    void aPhaseShouldTurnTheVpnOffOrSwitchIt() throws Exception {
        Scenario scenario = Scenarios.parse(lines("{ vpn: openvpn }",
                "  - { phase: a, duration: 5s, policy: open }",
                "  - { phase: b, duration: 5s, policy: open, vpn: none }",
                "  - { phase: c, duration: 5s, policy: open, vpn: shadowsocks }"));
        Strategies strategies = scenario.messenger().strategies();
        assertThat(scenario.phases().get(0).vpnIn(strategies).kind()).isEqualTo(VpnKind.OPENVPN);
        assertThat(scenario.phases().get(1).vpnIn(strategies)).as("vpn: none").isNull();
        assertThat(scenario.phases().get(2).vpnIn(strategies).kind()).isEqualTo(VpnKind.SHADOWSOCKS);
    }

    @Test
    void aPhaseShouldTurnTheVpnOffInTheMapFormToo() throws Exception {
        // `{ kind: none }` was refused with "expected one of ..., tls (or none, in a phase)", in a phase.
        Scenario scenario = Scenarios.parse(lines("{ vpn: openvpn }",
                "  - { phase: a, duration: 5s, policy: open, vpn: { kind: none } }"));
        assertThat(scenario.phases().get(0).vpnIn(scenario.messenger().strategies())).isNull();

        PolicyException sni = error(lines("{ vpn: openvpn }",
                "  - { phase: a, duration: 5s, policy: open, vpn: { kind: none, sni: a.test } }"));
        assertThat(sni.getMessage()).contains("'sni' only applies to vpn kind tls");
        PolicyException phase = error(lines("{ vpn: openvpn }",
                "  - { phase: a, duration: 5s, policy: open, vpn: { kind: pptp } }"));
        assertThat(phase.getMessage()).contains("expected one of wireguard, openvpn, ikev2, shadowsocks, tls or none");
        PolicyException top = error(lines("{ vpn: none }", "  - { phase: a, duration: 5s, policy: open }"));
        assertThat(top.getMessage()).contains("unknown vpn 'none'").contains("tls (none only in a phase)");
    }

    @Test
    void unknownVpnOrSniOnAnotherKindShouldPointAtTheNode() {
        PolicyException unknown = error(lines("{ vpn: pptp }", "  - { phase: a, duration: 5s, policy: open }"));
        assertThat(unknown.getMessage()).contains(":6:").contains("unknown vpn 'pptp'; expected one of wireguard, "
                + "openvpn, ikev2, shadowsocks, tls");
        PolicyException sni = error(lines("{ vpn: { kind: wireguard, sni: a.test } }",
                "  - { phase: a, duration: 5s, policy: open }"));
        assertThat(sni.getMessage()).contains("'sni' only applies to vpn kind tls");
    }
}
