package dev.censorsim.scenario;

import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.messenger.ChatWorkload;
import dev.censorsim.messenger.MediaWorkload;
import dev.censorsim.messenger.CallWorkload;
import dev.censorsim.messenger.Strategies;
import dev.censorsim.messenger.RetryStrategy;
import dev.censorsim.messenger.QuicStrategy;
import dev.censorsim.messenger.Front;
import dev.censorsim.metrics.Metric;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.units.Direction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ScenarioLoaderTest {

    @TempDir
    Path dir;

    private Scenario full() throws Exception {
        Files.createDirectories(dir.resolve("policies"));
        Files.writeString(dir.resolve("policies/throttle.yaml"), String.join("\n",
                "link: { rate: 40mbit }",
                "lists:",
                "  whatsapp: [whatsapp.net]",
                "rules:",
                "  - name: whatsapp-slow",
                "    match: { sni: [\"@whatsapp\"] }",
                "    action: { type: throttle, cut: 0.75, direction: down, scope: flow }",
                ""));
        Path file = dir.resolve("full.yaml");
        Files.writeString(file, String.join("\n",
                "scenario: whatsapp-2025-26",
                "description: \"three phases\"",
                "time-scale: 0.1",
                "messenger:",
                "  names: { chat: g.whatsapp.net, media: mmg.whatsapp.net }",
                "  alternatives: [g2.whatsapp.net]",
                "  control: cdn.allowed.test",
                "  front: socks",
                "  workload:",
                "    chat:  { rate: 5/s, size: 256B, timeout: 2s }",
                "    media: { size: 2MB, direction: up, concurrency: 2 }",
                "    churn: 3s",
                "  strategies:",
                "    retry: { attempts: 4, base: 200ms, max: 3s, jitter: 0.5 }",
                "    alternatives: true",
                "    split-client-hello: 3",
                "    no-sni: true",
                "  timeouts: { connect: 1500ms }",
                "policies:",
                "  open: { link: { rate: 40mbit } }",
                "  throttled: { file: policies/throttle.yaml }",
                "timeline:",
                "  - phase: baseline",
                "    duration: 10s",
                "    policy: open",
                "    description: \"normal\"",
                "    expect:",
                "      - chat.delivered_ratio >= 0.99",
                "      - media.throughput >= 30mbit",
                "  - phase: throttled",
                "    duration: 20s",
                "    policy: throttled",
                "    expect:",
                "      - media.throughput <= 0.30 * baseline.media.throughput",
                "      - \"chat.latency.p99 < 1.5s\"",
                ""));
        return Scenario.load(file);
    }

    @Test
    void fullScenarioShouldLoadEveryField() throws Exception {
        Scenario s = full();

        assertThat(s.name()).isEqualTo("whatsapp-2025-26");
        assertThat(s.description()).isEqualTo("three phases");
        assertThat(s.timeScale()).isEqualTo(0.1);
        MessengerSettings m = s.messenger();
        assertThat(m.chatName()).isEqualTo("g.whatsapp.net");
        assertThat(m.mediaName()).isEqualTo("mmg.whatsapp.net");
        assertThat(m.alternatives()).containsExactly("g2.whatsapp.net");
        assertThat(m.controlName()).isEqualTo("cdn.allowed.test");
        assertThat(m.front()).isEqualTo(Front.SOCKS);
        assertThat(m.chat()).isEqualTo(new ChatWorkload(5, 256, 2_000_000_000L));
        assertThat(m.media()).isEqualTo(new MediaWorkload(2_000_000, Direction.UP, 2));
        assertThat(m.churnNanos()).isEqualTo(3_000_000_000L);
        assertThat(m.strategies()).isEqualTo(new Strategies(
                new RetryStrategy(4, 200_000_000L, 3_000_000_000L, 0.5), true, 3, true));
        assertThat(m.connectTimeoutNanos()).isEqualTo(1_500_000_000L);
        assertThat(m.serverNames()).containsExactly("g.whatsapp.net", "mmg.whatsapp.net", "cdn.allowed.test",
                "g2.whatsapp.net");
        assertThat(s.policies()).containsOnlyKeys("open", "throttled");
        assertThat(s.phases()).extracting(Phase::name).containsExactly("baseline", "throttled");
        assertThat(s.phases().get(0).description()).isEqualTo("normal");
        assertThat(s.phases().get(1).durationNanos()).isEqualTo(20_000_000_000L);
        assertThat(s.scaledDuration()).as("30 s nominal at time-scale 0.1").isEqualTo(Duration.ofSeconds(3));
        assertThat(s.expectationCount()).isEqualTo(4);
    }

    @Test
    void expectationsShouldHoldThresholdsInTheMetricsUnit() throws Exception {
        List<Expectation> baseline = full().phases().get(0).expectations();
        List<Expectation> throttled = full().phases().get(1).expectations();

        assertThat(baseline.get(1).metric()).isEqualTo(Metric.MEDIA_THROUGHPUT);
        assertThat(baseline.get(1).threshold()).as("30mbit in bit/s").isEqualTo(new Threshold.Value(30e6));
        assertThat(throttled.get(0).threshold())
                .isEqualTo(new Threshold.Relative(0.30, "baseline", Metric.MEDIA_THROUGHPUT));
        assertThat(throttled.get(1).threshold()).as("1.5s in ms").isEqualTo(new Threshold.Value(1500));
        assertThat(throttled.get(1).comparison()).isEqualTo(Comparison.LT);
    }

    @Test
    void policyFileShouldResolveAgainstTheScenarioDirectoryAndDescribeItsRules() throws Exception {
        ScenarioPolicy throttled = full().policy("throttled");

        assertThat(throttled.origin()).isEqualTo(dir.resolve("policies/throttle.yaml").toString());
        assertThat(throttled.describe()).containsExactly(
                "link 40 mbit/s",
                "list @whatsapp = [whatsapp.net]",
                "whatsapp-slow: sni [@whatsapp] -> " + throttled.compile().rules().get(0).action().describe());
        assertThat(full().policy("open").describe()).containsExactly("link 40 mbit/s", "no rules: every flow passes");
    }

    @Test
    void compileShouldGiveEachPhaseFreshCounters() throws Exception {
        ScenarioPolicy throttled = full().policy("throttled");
        CompiledPolicy first = throttled.compile();
        first.rules().get(0).counters().flowHit();

        CompiledPolicy second = throttled.compile();

        assertThat(second).isNotSameAs(first);
        assertThat(second.rules().get(0).counters().flows()).isZero();
        assertThat(second.linkRateBytesPerSecond()).isEqualTo(5_000_000);
    }

    @Test
    void optionalPartsShouldTakeTheirDefaults() throws Exception {
        Scenario s = Scenarios.parse(
                "scenario: minimal",
                "messenger:",
                "  names: { chat: chat.test }",
                "  workload: { chat: {} }",
                "policies:",
                "  open: {}",
                "timeline:",
                "  - { phase: only, duration: 1s, policy: open }");

        assertThat(s.timeScale()).isEqualTo(1.0);
        assertThat(s.messenger().front()).isEqualTo(Front.FORWARD);
        assertThat(s.messenger().chat()).isEqualTo(ChatWorkload.DEFAULT);
        assertThat(s.messenger().media()).isNull();
        assertThat(s.messenger().strategies()).isEqualTo(Strategies.NONE);
        assertThat(s.messenger().connectTimeoutNanos()).isEqualTo(MessengerSettings.DEFAULT_CONNECT_TIMEOUT_NANOS);
        assertThat(s.policy("open").compile().rules()).isEmpty();
        assertThat(s.phases().get(0).expectations()).isEmpty();
    }

    @Test
    void messageRateShouldAcceptPerMinute() throws Exception {
        Scenario s = Scenarios.parse(
                "scenario: slow-chat",
                "messenger:",
                "  names: { chat: chat.test }",
                "  workload: { chat: { rate: 30/m } }",
                "policies: { open: {} }",
                "timeline: [ { phase: only, duration: 1s, policy: open } ]");

        assertThat(s.messenger().chat().messagesPerSecond()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void withTimeScaleShouldScalePhasesAndRefuseOutOfRange() throws Exception {
        Scenario s = full().withTimeScale(0.5);

        assertThat(s.scaledDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.phases().get(0).scaledDurationNanos(s.timeScale())).isEqualTo(5_000_000_000L);
        assertThatThrownBy(() -> s.withTimeScale(0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> s.withTimeScale(1.5)).hasMessageContaining("(0, 1]");
    }

    @Test
    void builderShouldValidateLikeTheFile() {
        Scenario s = Scenario.builder("built")
                .messenger(MessengerSettings.of("g.whatsapp.net", "mmg.whatsapp.net"))
                .policy("open", "link: { rate: 40mbit }")
                .policy("reset", "rules: [ { name: r, action: { type: reset } } ]")
                .phase("baseline", Duration.ofSeconds(2), "open", "media.throughput >= 30mbit")
                .phase("blocked", Duration.ofSeconds(2), "reset", "connect.reset_ratio >= 0.95",
                        "chat.delivered_ratio <= 0.01 * baseline.chat.delivered_ratio")
                .build();

        assertThat(s.source()).isEqualTo("<java>");
        assertThat(s.expectationCount()).isEqualTo(3);
        assertThatThrownBy(() -> Scenario.builder("bad")
                .messenger(MessengerSettings.of("g.whatsapp.net", "mmg.whatsapp.net"))
                .policy("open", "{}")
                .phase("baseline", Duration.ofSeconds(1), "open", "media.throughput >= 0.5 * blocked.media.throughput")
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("phase 'baseline': unknown phase 'blocked'; the first phase has no earlier phase to "
                        + "compare with (column 27 of 'media.throughput >= 0.5 * blocked.media.throughput')");
        assertThatThrownBy(() -> Scenario.builder("bad").messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "rules: [ { name: r, action: { type: rst } } ]"))
                .hasMessageStartingWith("policy 'open':1:");
        assertThatThrownBy(() -> Scenario.builder("bad")
                .messenger(MessengerSettings.of("a.test", "b.test").withWorkload(ChatWorkload.DEFAULT, null, 0))
                .policy("open", "{}").phase("p", Duration.ofSeconds(1), "open", "media.completed >= 1").build())
                .hasMessage("phase 'p': 'media.completed >= 1': expectation on media traffic, but "
                        + "messenger.workload has no media; expected a 'media' workload or another metric");
        assertThatThrownBy(() -> Scenario.builder("bad").messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "{}").phase("p", Duration.ofSeconds(1), "open", "vpn.ok >= 1").build())
                .as("without strategies.vpn a built scenario starts no tunnel")
                .hasMessage("phase 'p': 'vpn.ok >= 1': expectation on the vpn.* figures, but no phase uses a VPN; "
                        + "expected 'vpn' under messenger.strategies or in a phase, or another metric");
        assertThatThrownBy(() -> Scenario.builder("bad").messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "{}").phase("p", Duration.ofSeconds(1), "open", "control.connect.ok >= 1").build())
                .hasMessageStartingWith("phase 'p': 'control.connect.ok >= 1': expectation on the control name, "
                        + "but the messenger has none");
        assertThatThrownBy(() -> Scenario.builder("bad").messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "{}").phase("p", Duration.ofDays(200_000), "open").build())
                .as("past Long nanoseconds toNanos() threw ArithmeticException")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("phase 'p': expected a duration of at most a day, got PT4800000H");
        assertThatThrownBy(() -> Scenario.builder("bad").messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "{}").phase("p", Duration.ofSeconds(1), "open", "dns.ok >= 1").build())
                .as("as in a file: without a dns block nothing is looked up")
                .hasMessageStartingWith("phase 'p': 'dns.ok >= 1': expectation on DNS lookups, but the messenger "
                        + "does not resolve through DNS");
        assertThatThrownBy(() -> Scenario.builder("bad").messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "{}").phase("p", Duration.ofSeconds(1), "closed").build())
                .hasMessage("phase 'p' uses unknown policy 'closed'");
    }

    @Test
    void callsShouldLoadWithTheirTimingAndTheFallbackStrategy() throws Exception {
        Scenario s = Scenarios.parse("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                "    chat: { rate: 5/s }",
                "    calls: { duration: 4s, gap: 0s, setup-timeout: 1500ms, drop-silence: 1s }",
                "  strategies: { call-fallback: tcp }",
                "policies:", "  open: { link: { rate: 40mbit } }",
                "timeline:", "  - { phase: a, duration: 10s, policy: open, expect: [ 'call.mos >= 4', "
                        + "'call.dropped_after.p50 <= 5.5s' ] }");

        assertThat(s.messenger().calls()).isEqualTo(new CallWorkload(4_000_000_000L, 0, 1_500_000_000L,
                1_000_000_000L));
        assertThat(s.messenger().strategies().callFallback()).isTrue();
        assertThat(Scenarios.parse("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                "    chat: { rate: 5/s }", "    calls: true", "policies:", "  open: { link: { rate: 40mbit } }",
                "timeline:", "  - { phase: a, duration: 10s, policy: open }").messenger().calls())
                .isEqualTo(CallWorkload.DEFAULT);
    }

    @Test
    void aCallMetricShouldNeedTheCallsWorkload() {
        assertThatThrownBy(() -> Scenarios.parse("scenario: s", "messenger:", "  names: { chat: c.test }",
                "  workload:", "    chat: { rate: 5/s }", "policies:", "  open: { link: { rate: 40mbit } }",
                "timeline:", "  - { phase: a, duration: 10s, policy: open, expect: [ 'call.mos >= 4' ] }"))
                .hasMessageContaining("expectation on calls traffic, but messenger.workload has no calls");
    }

    @Test
    void quicFirstShouldLoadWithChromesDefaultsOrItsOwnTimings() throws Exception {
        String[] head = {"scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                "    chat: { rate: 5/s }"};
        String[] tail = {"policies:", "  open: { link: { rate: 40mbit } }", "timeline:",
                "  - { phase: a, duration: 10s, policy: open, expect: [ 'quic.fallback == 0' ] }"};

        assertThat(Scenarios.parse(concat(head, new String[] {"  strategies: { quic: true }"}, tail))
                .messenger().strategies().quic()).isEqualTo(QuicStrategy.DEFAULT);
        assertThat(Scenarios.parse(concat(head, new String[] {"  strategies: { quic: { timeout: 1s, broken-for: 0s } }"},
                tail)).messenger().strategies().quic()).isEqualTo(new QuicStrategy(1_000_000_000L, 0));
        assertThatThrownBy(() -> Scenarios.parse(concat(head, new String[0], tail)))
                .hasMessageContaining("expectation on QUIC, but the messenger does not try QUIC");
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
