package dev.censorsim.scenario;

import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.dns.Zone;
import dev.censorsim.report.ScenarioReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.censorsim.scenario.Scenarios.error;
import static dev.censorsim.scenario.Scenarios.parse;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@code messenger.dns} block and the DNS strategies: what loads, and where a bad one points. */
class ScenarioDnsTest {

    private static final String[] TAIL = {
            "policies:", "  open: {}", "timeline:", "  - { phase: a, duration: 1s, policy: open }"};

    @TempDir
    Path dir;

    private static String[] scenario(String... messengerLines) {
        String[] head = {"scenario: s", "messenger:", "  names: { chat: g.whatsapp.net }",
                "  workload: { chat: { rate: 5/s } }"};
        String[] all = new String[head.length + messengerLines.length + TAIL.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(messengerLines, 0, all, head.length, messengerLines.length);
        System.arraycopy(TAIL, 0, all, head.length + messengerLines.length, TAIL.length);
        return all;
    }

    @Test
    void noDnsBlockShouldMeanStaticRoutes() throws Exception {
        assertThat(parse(scenario()).messenger().dns()).isNull();
    }

    @Test
    void dnsBlockShouldLoadTheZoneFileAndTheStrategies() throws Exception {
        Files.writeString(dir.resolve("m.zone"), String.join("\n", "$ORIGIN .", "$TTL 60",
                "@ IN SOA ns.test. h.test. 1 3600 600 86400 60", "g.whatsapp.net. IN A 127.0.0.1",
                "dns.doh.test. IN A 127.0.0.1", ""));
        MessengerSettings m = parse(dir, scenario("  dns: { zone: m.zone }", "  strategies:",
                "    dns-fallback: [127.0.0.1, \"::1\"]", "    doh: dns.doh.test")).messenger();

        assertThat(m.dns().zone()).isNotNull();
        assertThat(m.strategies().dnsFallback()).containsExactly(InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("::1"));
        assertThat(m.strategies().doh()).isEqualTo("dns.doh.test");
        assertThat(m.serverNames()).as("the server needs a certificate for the DoH name").contains("dns.doh.test");
    }

    @Test
    void builtInZoneShouldListEveryNameWithTheGivenTtl() throws Exception {
        MessengerSettings m = parse(scenario("  dns: { ttl: 3s }")).messenger();

        assertThat(m.dns().ttlSeconds()).isEqualTo(3);
        Zone zone = m.dns().zoneFor(m.serverNames());
        assertThat(zone.origin()).as("a root zone: NXDOMAIN, not REFUSED, for other names").isEmpty();
    }

    @Test
    void ttlOverADayShouldNameALimitThatCanBeWritten() throws Exception {
        assertThat(error(scenario("  dns: { ttl: 1441m }")).getMessage())
                .as("Durations has no 'd' unit, so the message may not say 1d")
                .isEqualTo("scenario.yaml:5:15: expected a DNS ttl of at most 1440m (a day), got 1441m");
        assertThat(parse(scenario("  dns: { ttl: 1440m }")).messenger().dns().ttlSeconds()).isEqualTo(86_400);
    }

    @Test
    void fallbackWithoutDnsShouldPointAtTheStrategy() {
        assertThat(error(scenario("  strategies: { dns-fallback: [127.0.0.1] }")).getMessage())
                .startsWith("scenario.yaml:5:31: the dns-fallback strategy needs a 'dns' block under 'messenger'");
    }

    @Test
    void fallbackOutsideLoopbackShouldBeRefused() {
        assertThat(error(scenario("  dns: true", "  strategies: { dns-fallback: [8.8.8.8] }")).getMessage())
                .isEqualTo("scenario.yaml:6:32: expected a loopback address (127.0.0.0/8 or ::1): the scenario "
                        + "runs on loopback only, got '8.8.8.8'");
    }

    @Test
    void fallbackThatIsANameShouldBeRefused() {
        assertThat(error(scenario("  dns: true", "  strategies: { dns-fallback: [localhost] }")).getMessage())
                .contains("expected an IP address literal");
    }

    @Test
    void missingZoneFileShouldPointAtThePath() {
        assertThat(error(dir, scenario("  dns: { zone: nope.zone }")).getMessage())
                .startsWith("scenario.yaml:5:16: expected a zone file relative to the scenario file: ")
                .contains("no such zone file");
    }

    @Test
    void dnsExpectationWithoutDnsShouldBeRefused() {
        String[] lines = scenario();
        lines[lines.length - 1] = "  - { phase: a, duration: 1s, policy: open, expect: [dns.nxdomain_ratio >= 0.9] }";
        assertThat(error(lines).getMessage()).contains("expectation on DNS lookups, but the messenger does not "
                + "resolve through DNS");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void socksFrontShouldBeAskedForTheResolvedAddressSoTargetRulesMissAndTheRemovalBites() throws Exception {
        Scenario scenario = parse(
                "scenario: socks-dns",
                "messenger:",
                "  names: { chat: g.whatsapp.net }",
                "  front: socks",
                "  dns: { ttl: 1s }",
                "  workload: { chat: { rate: 10/s }, churn: 500ms }",
                "policies:",
                "  target-reset: { rules: [ { name: r, match: { target: [whatsapp.net] }, action: { type: reset } } ] }",
                "  removed: { rules: [ { name: n, match: { qname: [whatsapp.net] }, action: { type: nxdomain } } ] }",
                "timeline:",
                "  - { phase: by-ip, duration: 3s, policy: target-reset,"
                        + " expect: [chat.delivered_ratio >= 0.9, dns.ok_ratio >= 0.99, connect.reset == 0] }",
                "  - { phase: removed, duration: 3s, policy: removed,"
                        + " expect: [dns.nxdomain >= 1, dns.unresolved >= 1, dns.fallback == 0] }");

        ScenarioReport report = new LocalScenarioRunner(Duration.ZERO).run(scenario, ProgressListener.NONE);

        assertThat(report.results()).as(report.results().toString()).allMatch(r -> r.passed());
    }
}
