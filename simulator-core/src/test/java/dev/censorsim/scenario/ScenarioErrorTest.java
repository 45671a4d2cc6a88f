package dev.censorsim.scenario;

import dev.censorsim.policy.PolicyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.censorsim.scenario.Scenarios.MESSENGER;
import static dev.censorsim.scenario.Scenarios.error;
import static org.assertj.core.api.Assertions.assertThat;

/** Every class of bad scenario file, with the exact {@code file:line:column} the error must point at. */
class ScenarioErrorTest {

    @TempDir
    Path dir;

    private static void assertError(PolicyException e, int line, int column, String detail) {
        assertThat(e.getMessage()).isEqualTo("scenario.yaml:" + line + ":" + column + ": " + detail);
    }

    private static String[] withTimeline(String... phases) {
        String[] head = {"scenario: s", MESSENGER, "policies:", "  open: { link: { rate: 40mbit } }", "timeline:"};
        String[] all = new String[head.length + phases.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(phases, 0, all, head.length, phases.length);
        return all;
    }

    @Test
    void unknownTopLevelKeyShouldPointAtTheKeyAndListTheKeys() {
        assertError(error("scenario: s", "timescale: 0.1"), 2, 1,
                "unknown key 'timescale' in the scenario; expected one of scenario, description, time-scale, "
                        + "messenger, policies, timeline");
    }

    @Test
    void unknownWorkloadKeyShouldPointAtTheNestedKey() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: a.test }", "  workload:",
                        "    chat: { rate: 5/s, sise: 10 }"), 5, 24,
                "unknown key 'sise' in 'chat'; expected one of rate, size, timeout");
    }

    @Test
    void unknownChatProtocolShouldPointAtTheValueAndListTheProtocols() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: a.test }", "  chat-protocol: xmpp",
                        "  workload: { chat: { rate: 5/s } }"), 4, 18,
                "unknown chat-protocol 'xmpp'; expected one of tls, wa-noise");
    }

    @Test
    void missingScenarioNameShouldPointAtTheDocument() {
        assertError(error("description: x"), 1, 1, "missing 'scenario' in the scenario");
    }

    @Test
    void timeScaleOutOfRangeShouldPointAtTheValue() {
        assertError(error("scenario: s", "time-scale: 2"), 2, 13,
                "expected a time-scale in (0, 1], such as 0.1, got 2");
    }

    @Test
    void badDurationShouldPointAtTheValue() {
        assertError(error(withTimeline("  - { phase: a, duration: 10, policy: open }")), 10, 27,
                "duration '10' needs a unit; expected a duration such as 200ms, 1.5s, 500us, 2m (ns, us, ms, s, m)");
    }

    @Test
    void badSizeShouldPointAtTheValue() {
        assertError(error("scenario: s", "messenger:", "  names: { media: m.test }", "  workload:",
                        "    media: { size: 2MBB }"), 5, 20,
                "unknown size unit 'mbb' in '2MBB'; expected a size such as 16kb, 16kib, 1mb, 512 (b, kb, mb, kib, "
                        + "mib)");
    }

    @Test
    void badMessageRateShouldNameTheForm() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                        "    chat: { rate: 5mbit }"), 5, 19,
                "expected a message rate such as 5/s or 30/m, got '5mbit'");
    }

    @Test
    void badInlinePolicyShouldPointAtTheScenarioFilesOwnLine() {
        assertError(error("scenario: s", MESSENGER, "policies:", "  open: { link: { rate: 40mbit } }",
                        "  blocked:", "    rules:", "      - name: r", "        action: { type: rst }"),
                12, 25, "unknown action type 'rst'; expected one of reset, blackhole, freeze, "
                        + "throttle, delay, pass, slow-close, stall, reset-peer, slicer, limit-data, chain; "
                        + "for UDP only drop, drop-after, loss; for DNS nxdomain, nodata, "
                        + "servfail, refused, timeout, sinkhole, strip, ttl");
    }

    @Test
    void badPolicyFileShouldReportThePolicyFilesOwnLine() throws Exception {
        Files.writeString(dir.resolve("bad-policy.yaml"), "rules:\n  - name: r\n    action: { type: throttle }\n");

        PolicyException e = error(dir, "scenario: s", MESSENGER, "policies:", "  bad: { file: bad-policy.yaml }",
                "timeline: [ { phase: a, duration: 1s, policy: bad } ]");

        assertThat(e.file()).isEqualTo(dir.resolve("bad-policy.yaml").toString());
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.column()).isEqualTo(13);
    }

    @Test
    void aPolicyOrZonePathWithANulShouldPointAtTheValue() {
        // YAML's "\0": the JDK refuses the path with InvalidPathException, which escaped as exit 3 without a line.
        PolicyException policy = error(dir, "scenario: s", MESSENGER, "policies:", "  bad: { file: \"pol\\0.yaml\" }");
        PolicyException zone = error(dir, "scenario: s", MESSENGER.replace("messenger:",
                "messenger:\n  dns: { zone: \"z\\0\" }"), "policies:", "  open: { link: { rate: 40mbit } }");

        assertThat(policy.line()).isEqualTo(8);
        assertThat(policy.column()).isEqualTo(16);
        assertThat(policy.detail()).startsWith("expected a path to a policy file, got one the file system refuses");
        assertThat(zone.line()).isEqualTo(3);
        assertThat(zone.detail()).startsWith("expected a path to a zone file, got one the file system refuses");
    }

    @Test
    void aPhaseLongerThanADayShouldPointAtItsDuration() {
        // 153722867m is past Long nanoseconds once added to System.nanoTime(): the phase ended at once.
        assertError(error(withTimeline("  - { phase: a, duration: 153722867m, policy: open }")), 10, 27,
                "expected a phase of at most 1440m (a day), got 153722867m");
        assertThat(Scenarios.error(withTimeline("  - { phase: a, duration: 1441m, policy: open }")).detail())
                .isEqualTo("expected a phase of at most 1440m (a day), got 1441m");
    }

    @Test
    void missingPolicyFileShouldPointAtTheFileValue() {
        PolicyException e = error(dir, "scenario: s", MESSENGER, "policies:", "  bad: { file: nowhere.yaml }");

        assertThat(e.file()).isEqualTo("scenario.yaml");
        assertThat(e.line()).isEqualTo(8);
        assertThat(e.column()).isEqualTo(16);
        assertThat(e.detail()).startsWith("no policy file ").contains("nowhere.yaml");
    }

    @Test
    void unknownPolicyNameShouldListThePolicies() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: opne")), 12, 13,
                "unknown policy 'opne'; expected one of open");
    }

    @Test
    void unknownMetricShouldSuggestTheClosestName() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - chat.deliverd_ratio >= 0.99")), 14, 9,
                "unknown metric 'chat.deliverd_ratio'; did you mean 'chat.delivered_ratio'? "
                        + "(column 1 of 'chat.deliverd_ratio >= 0.99')");
    }

    @Test
    void referenceToALaterPhaseShouldPointAtThePhaseName() {
        assertError(error(withTimeline(
                        "  - phase: base",
                        "    duration: 1s",
                        "    policy: open",
                        "    expect: [ \"media.throughput >= 0.9 * after.media.throughput\" ]",
                        "  - { phase: after, duration: 1s, policy: open }")), 13, 42,
                "phase 'after' comes later in the timeline, so it has not been measured yet; the first phase has no "
                        + "earlier phase to compare with (column 27 of 'media.throughput >= 0.9 * "
                        + "after.media.throughput')");
    }

    @Test
    void referenceToAnUnknownPhaseShouldListTheEarlierPhases() {
        assertError(error(withTimeline(
                        "  - { phase: baseline, duration: 1s, policy: open }",
                        "  - phase: throttled",
                        "    duration: 1s",
                        "    policy: open",
                        "    expect:",
                        "      - media.throughput <= 0.30 * baseline.media.throughput",
                        "      - media.throughput >= 0.20 * baselin.media.throughput")), 16, 36,
                "unknown phase 'baselin'; expected one of the earlier phases: baseline (column 28 of "
                        + "'media.throughput >= 0.20 * baselin.media.throughput')");
    }

    @Test
    void malformedExpectationShouldSayWhatWasExpectedAtWhichColumn() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - media.throughput => 30mbit")), 14, 26,
                "expected a comparison (>=, <=, >, <, ==, !=) after 'media.throughput', got '=> 30mbit' "
                        + "(column 18 of 'media.throughput => 30mbit')");
    }

    @Test
    void missingThresholdShouldSayWhatWasExpected() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - media.throughput >= * baseline.media.throughput")), 14, 29,
                "expected a number, 'phase.metric' or 'factor * phase.metric' after '>=', got '* "
                        + "baseline.media.through...' (column 21 of "
                        + "'media.throughput >= * baseline.media.throughput')");
    }

    @Test
    void missingOperatorShouldPointAfterTheMetric() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - \"chat.latency.p99 200ms\"")), 14, 27,
                "expected a comparison (>=, <=, >, <, ==, !=) after 'chat.latency.p99', got '200ms' "
                        + "(column 18 of 'chat.latency.p99 200ms')");
    }

    @Test
    void wrongUnitForTheMetricShouldPointAtTheUnit() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - chat.latency.p99 <= 30mbit")), 14, 31,
                "unknown duration unit 'mbit' in '30mbit'; expected a duration such as 200ms, 1.5s, 500us, 2m "
                        + "(ns, us, ms, s, m) (column 23 of 'chat.latency.p99 <= 30mbit')");
    }

    @Test
    void comparingDifferentUnitsShouldBeRefused() {
        assertError(error(withTimeline(
                        "  - { phase: base, duration: 1s, policy: open }",
                        "  - phase: b",
                        "    duration: 1s",
                        "    policy: open",
                        "    expect: [ \"media.throughput >= base.chat.latency.p99\" ]")), 14, 41,
                "cannot compare media.throughput (bit/s) with chat.latency.p99 (ms); expected a metric in the same "
                        + "unit (column 26 of 'media.throughput >= base.chat.latency.p99')");
    }

    @Test
    void expectationOnTrafficTheWorkloadDoesNotRunShouldBeRefused() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload: { chat: {} }",
                        "policies: { open: {} }", "timeline:", "  - phase: a", "    duration: 1s", "    policy: open",
                        "    expect: [ media.throughput >= 1mbit ]"), 10, 15,
                "expectation on media traffic, but messenger.workload has no media; expected a 'media' workload "
                        + "or another metric");
    }

    @Test
    void controlFigureTheChatOnlyControlClientNeverMeasuresShouldBeRefused() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test, media: m.test }",
                        "  control: ctl.test", "  workload: { chat: {}, media: {} }", "policies: { open: {} }",
                        "timeline:", "  - phase: a", "    duration: 5s", "    policy: open", "    expect:",
                        "      - control.connect.ok >= 1", "      - control.media.throughput >= 1mbit"), 13, 9,
                "expectation on control.media.throughput, but the control client runs chat only (no media, calls, "
                        + "QUIC or VPN); expected one of control.chat.*, control.connect.*, control.dns.*, "
                        + "control.first_failure.seconds or another metric");
    }

    @Test
    void controlFigureWithoutAControlNameShouldBeRefused() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload: { chat: {} }",
                        "policies: { open: {} }", "timeline:", "  - phase: a", "    duration: 1s", "    policy: open",
                        "    expect: [ control.chat.delivered_ratio >= 0.99 ]"), 10, 15,
                "expectation on the control name, but the messenger has none; expected a 'control' name under "
                        + "'messenger' (one no rule lists) or another metric");
    }

    @Test
    void vpnFigureWithoutAVpnInAnyPhaseShouldBeRefused() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - \"vpn.ok_ratio >= 0.9\"")), 14, 10,
                "expectation on vpn.ok_ratio, but no phase uses a VPN; expected 'vpn' under messenger.strategies "
                        + "or in a phase, or another metric");
        assertError(error(withTimeline("  - { phase: a, duration: 1s, policy: open }",
                        "  - { phase: b, duration: 1s, policy: open, expect: [ 'connect.ok >= a.vpn.ok' ] }")), 11, 72,
                "expectation on vpn.ok, but no phase uses a VPN; expected 'vpn' under messenger.strategies or in "
                        + "a phase, or another metric");
    }

    @Test
    void unmeasuredReferenceShouldPointAtTheReferenceNotTheComparedMetric() {
        assertError(error(withTimeline("  - { phase: base, duration: 1s, policy: open }", "  - { phase: b, "
                        + "duration: 1s, policy: open, expect: [ 'connect.attempts >= base.dns.lookups' ] }")),
                11, 81, "expectation on DNS lookups, but the messenger does not resolve through DNS; expected a 'dns' "
                        + "block under 'messenger' (e.g. dns: { zone: zones/messenger.zone }) or another metric");
    }

    @Test
    void vpnFigureShouldBeMeasurableWhenALaterPhaseUsesAVpn() throws Exception {
        Scenario s = Scenarios.parse(withTimeline(
                "  - { phase: a, duration: 1s, policy: open, expect: [ 'vpn.connects == 0' ] }",
                "  - { phase: b, duration: 1s, policy: open, vpn: wireguard }"));

        assertThat(s.expectationCount()).as("the runner starts the tunnel for b and measures every phase")
                .isEqualTo(1);
    }

    @Test
    void expectationWrittenAsAMappingShouldSuggestQuoting() {
        assertError(error(withTimeline("  - phase: a", "    duration: 1s", "    policy: open", "    expect:",
                        "      - media.throughput: 3")), 14, 9,
                "expected an expectation such as 'media.throughput >= 30mbit' as a string, got a mapping (a ': ' "
                        + "inside an expectation makes YAML read a mapping; quote the expectation)");
    }

    @Test
    void duplicatePhaseShouldPointAtTheSecond() {
        assertError(error(withTimeline("  - { phase: a, duration: 1s, policy: open }",
                        "  - { phase: a, duration: 1s, policy: open }")), 11, 14,
                "duplicate phase 'a'; first given at 10:14");
    }

    @Test
    void alternativesStrategyWithoutNamesShouldPointAtTheStrategy() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload: { chat: {} }",
                        "  strategies: { alternatives: true }"), 5, 31,
                "the alternatives strategy needs names to try; expected a list under messenger.alternatives");
    }

    @Test
    void controlNameUsedByTheMessengerShouldBeRefused() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  control: c.test",
                        "  workload: { chat: {} }"), 4, 12,
                "control name 'c.test' is one the messenger uses; expected a name that no rule lists and the "
                        + "messenger does not use");
    }

    @Test
    void badHostNameShouldPointAtTheName() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: \"bad name\" }", "  workload: { chat: {} }"),
                3, 18, "expected a host name such as g.whatsapp.net for 'chat', got 'bad name'");
    }

    @Test
    void unknownFrontShouldListTheFronts() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  front: vpn",
                        "  workload: { chat: {} }"), 4, 10, "unknown front 'vpn'; expected one of forward, socks");
    }

    @Test
    void emptyTimelineShouldBeRefused() {
        assertError(error("scenario: s", MESSENGER, "policies: { open: {} }", "timeline: []"), 8, 11,
                "expected a list of phases for 'timeline', got an empty list");
    }

    @Test
    void yamlSyntaxErrorShouldPointWhereTheParserGaveUp() {
        PolicyException e = error("scenario: s", "messenger: { names: [", "policies: {}");

        assertThat(e.file()).isEqualTo("scenario.yaml");
        assertThat(e.line()).as("the parser gives up at the end of the stream").isEqualTo(4);
        assertThat(e.detail()).startsWith("invalid YAML: ");
    }

    @Test
    void callsWithoutChatShouldPointAtTheCallsWorkload() {
        assertError(error("scenario: s", "messenger:", "  names: { media: m.test }", "  workload:",
                        "    media: { size: 1mb }", "    calls: { duration: 4s }"), 6, 12,
                "calls are signalled over the chat connection; expected a chat workload as well");
    }

    @Test
    void callFallbackWithoutCallsShouldPointAtTheStrategy() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                        "    chat: { rate: 5/s }", "  strategies: { call-fallback: tcp }"), 6, 32,
                "the call-fallback strategy relays calls over TLS; expected a 'calls' workload under 'workload'");
    }

    @Test
    void unknownCallFallbackShouldListTheChoices() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                        "    chat: { rate: 5/s }", "    calls: true", "  strategies: { call-fallback: quic }"), 7, 32,
                "unknown call fallback 'quic'; expected tcp or none");
    }

    @Test
    void tooShortDropSilenceShouldSayWhy() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                        "    chat: { rate: 5/s }", "    calls: { drop-silence: 10ms }"), 6, 28,
                "expected a drop-silence of at least 40ms (two 20 ms frames), got 10ms");
    }

    @Test
    void tooShortDropSilenceInABlockShouldPointAtItsValueNotTheFirstKey() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:",
                        "    chat: { rate: 5/s }", "    calls:", "      duration: 4s", "      drop-silence: 10ms"),
                8, 21, "expected a drop-silence of at least 40ms (two 20 ms frames), got 10ms");
    }

    @Test
    void tooLargeChatMessageShouldPointAtTheSizeNotTheFirstKey() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }", "  workload:", "    chat:",
                        "      rate: 5/s", "      size: 32mb"), 7, 13,
                "expected a chat message size of at most 16mib, got 32mb");
    }

    @Test
    void dohNameTheMessengerUsesShouldPointAtTheNameNotTheMessengerBlock() {
        assertError(error("scenario: s", "messenger:", "  names: { chat: c.test }",
                        "  workload: { chat: { rate: 5/s } }", "  dns: { ttl: 2s }", "  strategies:",
                        "    doh: c.test", "policies: { open: {} }", "timeline:",
                        "  - { phase: a, duration: 1s, policy: open }"), 7, 10,
                "DoH resolver name 'c.test' is one the messenger uses; expected a name different from chat, media, "
                        + "control and the alternatives");
    }
}
