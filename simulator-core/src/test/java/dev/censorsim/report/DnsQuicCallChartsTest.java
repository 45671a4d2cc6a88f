package dev.censorsim.report;

import dev.censorsim.metrics.Metric;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The DNS, QUIC and call set-up charts of report.html: drawn from each phase's figures, and only when measured. */
class DnsQuicCallChartsTest {

    @Test
    void reportWithoutDnsQuicOrCallsShouldDrawNoneOfTheirCharts() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.passing());

        assertThat(html).doesNotContain("<h3>DNS lookups</h3>", "<h3>QUIC first</h3>", "<h3>Call set-up</h3>");
    }

    @Test
    void dnsChartShouldShowEachPhasesAnswersAndLatency() throws Exception {
        String html = HtmlReportWriter.render(with(SampleReports.passing(), List.of(
                Map.of("dns.lookups", 40.0, "dns.ok", 40.0, "dns.latency.p50", 1.5, "dns.latency.p99", 4.0),
                Map.of("dns.lookups", 40.0, "dns.ok", 30.0, "dns.nxdomain", 10.0, "dns.latency.p50", 1.7,
                        "dns.latency.p99", 6.0),
                Map.of("dns.lookups", 20.0, "dns.nxdomain", 20.0, "dns.latency.p50", 2.0, "dns.latency.p99", 9.5))));

        assertThat(html).contains("<h3>DNS lookups</h3>", "aria-label=\"DNS answers per phase\"",
                "aria-label=\"DNS lookup latency per phase\"");
        String phases = SampleReports.passing().phases().get(1).name();
        assertThat(html).contains("<title>" + phases + ": 30 address (75%)</title>",
                "<title>" + phases + ": 10 NXDOMAIN (25%)</title>", "40 lookups");
        assertThat(html).contains(">9.50 ms<").as("the last phase's p99 above its bar");
        assertThat(html).doesNotContain("<h3>QUIC first</h3>", "<h3>Call set-up</h3>");
    }

    @Test
    void quicChartShouldSplitQuicFromBothKindsOfTcpFallback() throws Exception {
        String html = HtmlReportWriter.render(with(SampleReports.passing(), List.of(
                Map.of("quic.attempts", 10.0, "quic.ok", 10.0),
                Map.of("quic.attempts", 10.0, "quic.fallback", 2.0, "quic.skipped", 8.0),
                Map.of())));

        String second = SampleReports.passing().phases().get(1).name();
        assertThat(html).contains("<h3>QUIC first</h3>",
                "<title>" + second + ": 2 TCP after the QUIC timeout (20%)</title>",
                "<title>" + second + ": 8 TCP at once (QUIC marked broken) (80%)</title>", "no connections");
    }

    @Test
    void callChartShouldSeparateUdpFromFallbackAndShowSetUpTime() throws Exception {
        String html = HtmlReportWriter.render(with(SampleReports.passing(), List.of(
                Map.of("call.attempts", 4.0, "call.setup_ok", 4.0, "call.setup_time.p50", 120.0,
                        "call.setup_time.p99", 270.0),
                Map.of("call.attempts", 4.0, "call.setup_ok", 3.0, "call.fallback", 3.0, "call.setup_failed", 1.0,
                        "call.setup_time.p50", 1100.0, "call.setup_time.p99", 1300.0),
                Map.of("call.attempts", 2.0, "call.setup_failed", 2.0))));

        List<PhaseReport> phases = SampleReports.passing().phases();
        assertThat(html).contains("<h3>Call set-up</h3>", "aria-label=\"call set-up time per phase\"",
                "<title>" + phases.get(0).name() + ": 4 set up over UDP (100%)</title>",
                "<title>" + phases.get(1).name() + ": 3 set up over the TLS fallback (75%)</title>",
                "<title>" + phases.get(2).name() + ": 2 failed (100%)</title>", ">1300 ms<");
        assertThat(html).doesNotContain(phases.get(1).name() + ": 0 set up over UDP")
                .as("a zero share draws no segment");
    }

    @Test
    void longPhaseNamesShouldBeShortenedToTheirSlotWithTheWholeNameAsTooltip() throws Exception {
        // Twelve phases with 64-character names, the longest a scenario allows: the outcome and bar charts drew each
        // whole, over its neighbours.
        PhaseReport model = SampleReports.passing().phases().get(0);
        Map<String, Double> figures = Map.of("dns.lookups", 40.0, "dns.ok", 30.0, "dns.nxdomain", 10.0,
                "dns.latency.p50", 1.5, "dns.latency.p99", 4.0);
        List<PhaseReport> phases = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            phases.add(new PhaseReport(String.format("phase-%02d-", i) + "x".repeat(55), model.policy(),
                    model.nominalNanos(), model.realNanos(), model.startSeconds(), figures, List.of(), List.of()));
        }
        String outcome = SvgOutcomeChart.render("DNS answers per phase", "lookups",
                List.of(new SvgOutcomeChart.Outcome("address", "#2b8a3e", p -> p.metric("dns.ok"))), phases);
        String bars = SvgPhaseBars.render("DNS lookup latency per phase", "ms",
                List.of(new SvgPhaseBars.Bar(Metric.DNS_LATENCY_P99, "p99", "#1971c2")), phases);

        for (String svg : List.of(outcome, bars)) {
            Matcher label = Pattern.compile("class=\"band-label\">(?:<title>([^<]*)</title>)?([^<]*)</text>")
                    .matcher(svg);
            int labels = 0;
            while (label.find()) {
                labels++;
                assertThat(label.group(1)).as("the whole name as the tooltip").startsWith("phase-").hasSize(64);
                // 12 slots over the plot: about 70 px each, ten 7 px characters at most.
                assertThat(label.group(2)).startsWith("phase-").endsWith("\u2026").hasSizeLessThanOrEqualTo(10);
            }
            assertThat(labels).isEqualTo(12);
        }
    }

    @Test
    void niceCeilingShouldRoundUpToOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(SvgPhaseBars.niceCeiling(9.5)).isEqualTo(10);
        assertThat(SvgPhaseBars.niceCeiling(1300)).isEqualTo(2000);
        assertThat(SvgPhaseBars.niceCeiling(0.3)).isEqualTo(0.5);
        assertThat(SvgPhaseBars.niceCeiling(0)).isEqualTo(1);
    }

    /** {@code report} with {@code extra} figures added to each phase in turn. */
    private static ScenarioReport with(ScenarioReport report, List<Map<String, Double>> extra) {
        List<PhaseReport> phases = new ArrayList<>();
        for (int i = 0; i < report.phases().size(); i++) {
            PhaseReport p = report.phases().get(i);
            Map<String, Double> metrics = new LinkedHashMap<>(p.metrics());
            metrics.putAll(extra.get(Math.min(i, extra.size() - 1)));
            phases.add(new PhaseReport(p.name(), p.policy(), p.nominalNanos(), p.realNanos(), p.startSeconds(), metrics,
                    p.expectations(), p.rules()));
        }
        return new ScenarioReport(report.run(), phases, report.samples(), report.warnings(), report.interruption());
    }
}
