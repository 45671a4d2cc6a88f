package dev.censorsim.policy;

import dev.censorsim.units.Direction;
import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.action.BlackholeAction;
import dev.censorsim.policy.action.DelayAction;
import dev.censorsim.policy.action.FreezeAction;
import dev.censorsim.policy.action.ResetAction;
import dev.censorsim.policy.action.ThrottleAction;
import dev.censorsim.policy.action.ThrottleScope;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyLoaderTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PolicyLoaderTest.class.getResource("/policy/" + name).toURI());
    }

    @Test
    void exampleFromTheProductSpecCompilesToTwoRulesWithALink() throws Exception {
        CompiledPolicy policy = PolicyLoader.load(resource("example.yaml"));

        assertThat(policy.linkRateBytesPerSecond()).isEqualTo(50_000_000 / 8);
        assertThat(policy.linkUp()).isNotNull().isNotSameAs(policy.linkDown());
        assertThat(policy.linkUp().rateBytesPerSecond()).isEqualTo(6_250_000);
        assertThat(policy.linkDown().rateBytesPerSecond()).isEqualTo(6_250_000);
        assertThat(policy.inspection()).isEqualTo(new InspectionSettings(true, 16_000));
        assertThat(policy.needsContent()).isTrue();
        assertThat(policy.rules()).extracting(CompiledRule::name).containsExactly("whatsapp-reset", "video-slow");
        assertThat(policy.rules().get(0).action()).isEqualTo(new ResetAction());
        assertThat(policy.rules().get(1).action())
                .isEqualTo(new ThrottleAction(500_000, Direction.BOTH, ThrottleScope.FLOW, null, null));
        assertThat(policy.rules().get(1).action().describe()).isEqualTo("throttle 4 mbit/s both per flow");
    }

    @Test
    void tspuExampleCompilesEveryActionAndMatchKey() throws Exception {
        CompiledPolicy policy = PolicyLoader.load(resource("tspu-2025.yaml"));

        assertThat(policy.inspection()).isEqualTo(new InspectionSettings(true, 16_384));
        assertThat(policy.rules()).extracting(r -> r.action().type())
                .containsExactly("blackhole", "throttle", "reset", "freeze", "throttle", "delay");
        assertThat(policy.rules().get(0).action()).isEqualTo(new BlackholeAction());
        ThrottleAction cut = (ThrottleAction) policy.rules().get(1).action();
        assertThat(cut.rateBytesPerSecond()).as("75%% below 100 mbit/s is 25 mbit/s").isEqualTo(25_000_000 / 8);
        assertThat(cut.scope()).isEqualTo(ThrottleScope.RULE);
        assertThat(cut.sharedUp()).isNotNull().isNotSameAs(cut.sharedDown());
        assertThat(policy.rules().get(3).action()).isEqualTo(new FreezeAction(16_000));
        assertThat(policy.rules().get(4).action())
                .isEqualTo(new ThrottleAction(500_000, Direction.DOWN, ThrottleScope.FLOW, null, null));
        assertThat(policy.rules().get(5).action())
                .isEqualTo(new DelayAction(200_000_000, 50_000_000, Direction.DOWN, 7));
        assertThat(policy.rules().get(5).action().describe()).isEqualTo("delay 200ms jitter 50ms down");

        assertThat(policy.evaluate(Flows.tls("cloudflare-ech.com", true)).rule().name()).isEqualTo("ech-block");
        assertThat(policy.evaluate(Flows.tls("cloudflare-ech.com", false)).isPass())
                .as("ECH blocking needs SNI and ECH together").isTrue();
        assertThat(policy.evaluate(Flows.http("web.whatsapp.com")).rule().name()).isEqualTo("whatsapp-cut");
        assertThat(policy.evaluate(Flows.tls("T.ME")).rule().name()).isEqualTo("telegram-reset");
        assertThat(policy.evaluate(Flows.to("198.51.100.7", 8444)).rule().name()).isEqualTo("hosting-freeze");
        assertThat(policy.evaluate(Flows.to("2001:db8::1", 443)).rule().name()).isEqualTo("hosting-freeze");
        assertThat(policy.evaluate(Flows.to("198.51.100.7", 80)).isPass()).isTrue();
        assertThat(policy.evaluate(Flows.socks("far.test")).rule().name()).isEqualTo("satellite-latency");
    }

    @Test
    void twitterExampleUsesSubstringMatchingWithoutReassembly() throws Exception {
        CompiledPolicy policy = PolicyLoader.load(resource("twitter-2021.yaml"));

        assertThat(policy.inspection().reassemble()).isFalse();
        assertThat(policy.linkUp()).as("no link configured").isNull();
        assertThat(policy.linkRateBytesPerSecond()).isZero();
        assertThat(policy.rules().get(0).action().describe()).isEqualTo("throttle 130 kbit/s both per flow");
        assertThat(policy.evaluate(Flows.tls("abs.twimg.com")).isPass()).isFalse();
        assertThat(policy.evaluate(Flows.tls("microsoft.com")).isPass())
                .as("the 2021 collateral damage: 't.co' is a substring of 'microsoft.com'").isFalse();
    }

    @Test
    void loadShouldNameTheFileAsGivenInErrors() throws Exception {
        Path file = resource("bad-action.yaml");

        assertThatThrownBy(() -> PolicyLoader.load(file))
                .isInstanceOf(PolicyException.class)
                .hasMessage(file + ":7:21: unknown action type 'rst'; expected one of reset, blackhole, freeze, "
                        + "throttle, delay, pass, slow-close, stall, reset-peer, slicer, limit-data, chain; "
                        + "for UDP only drop, drop-after, loss; for DNS nxdomain, nodata, "
                        + "servfail, refused, timeout, sinkhole, strip, ttl");
    }

    @Test
    void loadShouldReportAMissingFileWithoutAPosition() {
        Path missing = Path.of("target", "no-such-policy.yaml");

        assertThatThrownBy(() -> PolicyLoader.load(missing))
                .isInstanceOfSatisfying(PolicyException.class, e -> {
                    assertThat(e.file()).isEqualTo(missing.toString());
                    assertThat(e.line()).isZero();
                    assertThat(e.detail()).isEqualTo("no such policy file");
                });
    }

    @Test
    void emptyDocumentIsAnEmptyPolicyThatPassesEverything() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("# nothing yet\n", "empty.yaml");

        assertThat(policy.rules()).isEmpty();
        assertThat(policy.needsContent()).isFalse();
        assertThat(policy.inspection()).isEqualTo(InspectionSettings.DEFAULT);
        assertThat(policy.evaluate(Flows.tls("whatsapp.net"))).isSameAs(Verdict.PASS);
        assertThat(CompiledPolicy.empty().evaluate(Flows.tls("whatsapp.net")).isPass()).isTrue();
    }

    @Test
    void blockStyleYamlCompilesLikeFlowStyle() {
        CompiledPolicy policy = Policies.compile(
                "rules:",
                "  - name: freeze-hosting",
                "    match:",
                "      cidr:",
                "        - 203.0.113.0/24",
                "      port: 443",
                "    action:",
                "      type: freeze",
                "      after: 16kb");

        assertThat(policy.rules().get(0).action()).isEqualTo(new FreezeAction(16_000));
        assertThat(policy.needsContent()).as("cidr and port are known before any byte").isFalse();
        assertThat(policy.evaluate(Flows.to("203.0.113.9", 443)).isPass()).isFalse();
    }
}
