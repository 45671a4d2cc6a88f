package dev.censorsim.report;

import dev.censorsim.metrics.TimeSample;
import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.scenario.Scenario;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportWriterTest {

    @Test
    void pageShouldBeSelfContained() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.failing());

        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "").replaceAll("url\\(#[a-z0-9-]+\\)", ""))
                .as("no external resources (a url(#id) names a pattern in the same page): the page must open offline "
                        + "from a CI artifact")
                .doesNotContain("http://", "https://", "<script", "<link", "src=", "@import", "url(");
    }

    @Test
    void pageShouldSayWhatWasRunThenWhatWasSeen() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.failing());

        assertThat(html.indexOf("What was run")).isPositive().isLessThan(html.indexOf("What was seen"));
        assertThat(html).contains("<span class=\"badge fail\">FAILED</span>", "10 of 11 expectations held",
                "g.whatsapp.net", "cdn.allowed.test", "2 MB downloads, 1 at a time",
                "whatsapp-slow: sni [@whatsapp] -&gt; throttle 12.5 mbit/s "
                        + "down per flow", "whatsapp-reset: sni [@whatsapp] -&gt; reset");
        assertThat(html).contains("<tr class=\"fail\"><td>throttled</td><td><code>media.throughput &lt;= 0.30 * "
                + "baseline.media.throughput</code></td><td class=\"num\">15.00 Mbit/s</td>");
        assertThat(count(html, "<tr class=\"pass\">")).isEqualTo(10);
        assertThat(count(html, "<tr class=\"fail\">")).as("once under 'What failed', once in the full table")
                .isEqualTo(2);
    }

    @Test
    void aFailedRunShouldSayItAndListWhatFailedBeforeAnythingElse() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.failing());

        assertThat(html).contains("<div class=\"verdict fail\"><strong>FAILED: 1 of 11 expectations did not hold"
                + "</strong></div>");
        int failed = html.indexOf("<h2>What failed</h2>");
        assertThat(failed).isPositive().isLessThan(html.indexOf("What was run"));
        assertThat(html.indexOf("media.throughput &lt;= 0.30 * baseline.media.throughput", failed))
                .isLessThan(html.indexOf("What was run"));
        assertThat(HtmlReportWriter.render(SampleReports.passing()))
                .contains("<div class=\"verdict pass\"><strong>PASSED: all ")
                .doesNotContain("What failed");
    }

    @Test
    void thePerPhaseComparisonShouldDrawEachKeyMetricBesideTheBaselineWithItsThresholds() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.failing());

        assertThat(html).contains("<h2>Per phase, beside the baseline</h2>");
        assertThat(html).contains("aria-label=\"media.throughput per phase\"",
                "aria-label=\"chat.delivered_ratio per phase\"", "aria-label=\"connect.ok_ratio per phase\"");
        assertThat(html).as("the throttled phase's media bar is labelled with its share of the baseline")
                .contains(">38%</text>");
        assertThat(html).as("a failed threshold in red, held ones in green")
                .contains("stroke=\"" + SvgPhaseComparison.MISSING + "\" stroke-width=\"2.5\" stroke-dasharray")
                .contains("stroke=\"" + SvgPhaseComparison.HELD + "\" stroke-width=\"2.5\" stroke-dasharray");
        assertThat(html).as("the blocked phase measured no media: a red cross, not an empty slot")
                .contains("<title>blocked: not measured</title>");
    }

    @Test
    void timeSeriesShouldDrawThresholdsAcrossTheirPhaseAndHatchPhasesThatMeasuredNothing() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.failing());

        assertThat(html).contains("class=\"threshold\"");
        assertThat(html).contains("<title>throttled: media.throughput &lt;= 0.30 * baseline.media.throughput "
                + "(failed)</title>");
        assertThat(html).contains("<title>blocked: nothing measured</title>", ">nothing measured</text>");
    }

    @Test
    void chartsShouldDrawEverySeriesWithPhaseBands() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.passing());

        assertThat(count(html, "<svg class=\"chart\"") + count(html, "class=\"chart\" role"))
                .as("2 line charts and the connect chart, beside the per-phase panels").isGreaterThanOrEqualTo(3);
        assertThat(count(html, "class=\"chart panel\"")).isPositive();
        assertThat(html).contains("stroke=\"" + ReportColors.THROUGHPUT + "\"", "stroke=\"" + ReportColors.LATENCY_P50
                + "\"", "stroke=\"" + ReportColors.LATENCY_P99 + "\"", "fill=\"" + ReportColors.CONNECT_OK + "\"",
                "fill=\"" + ReportColors.CONNECT_RESET + "\"", "fill=\"" + ReportColors.CONNECT_TIMEOUT + "\"");
        assertThat(count(html, "class=\"band\"")).as("3 bands on each of 2 line charts").isEqualTo(6);
        assertThat(html).contains(">baseline</text>", ">throttled</text>", ">blocked</text>");
        assertThat(html).contains(">Mbit/s</text>", ">ms</text>", ">40 attempts</text>");
    }

    @Test
    void aCallScenarioShouldChartMosAndLeaveOutTheMediaChartItHasNoDataFor() throws Exception {
        Scenario calls = Scenario.load(java.nio.file.Path.of("..", "scenarios", "whatsapp-2025-calls.yaml"));
        List<TimeSample> samples = new java.util.ArrayList<>();
        for (int t = 1; t <= 20; t++) {
            samples.add(new TimeSample(t, Map.of("chat.latency.p50", 2.0, "chat.latency.p99", 5.0,
                    "call.mos", t < 10 ? 4.4 : 2.6)));
        }
        ScenarioReport run = SampleReports.run(calls, 0);
        String html = HtmlReportWriter.render(new ScenarioReport(run.run(), run.phases(), samples, run.warnings()));

        assertThat(html).contains("<h3>Call quality</h3>", "stroke=\"" + ReportColors.CALL_MOS + "\"", ">MOS</text>");
        assertThat(html).doesNotContain("<h3>Media throughput</h3>");
        assertThat(html).contains("one at a time, 6s long, 500ms apart");
    }

    @Test
    void seriesShouldBreakWhereNothingWasMeasured() throws Exception {
        String html = HtmlReportWriter.render(SampleReports.passing());
        Matcher m = Pattern.compile("<path class=\"series\" d=\"([^\"]*)\" fill=\"none\" stroke=\""
                + ReportColors.THROUGHPUT).matcher(html);

        assertThat(m.find()).isTrue();
        assertThat(count(m.group(1), "M")).as("no media in the blocked phase: the line ends, it does not drop to 0")
                .isEqualTo(1);
        assertThat(count(m.group(1), "L")).as("one point per second over 30 s of media").isEqualTo(29);
    }

    @Test
    void everyTextFromTheScenarioShouldBeEscaped() {
        String evil = "<script>alert('x')</script>&\"";
        Scenario scenario = Scenario.builder(evil)
                .description(evil)
                .messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "rules: [ { name: \"<img onerror=x>\", action: { type: reset } } ]")
                .phase("only", evil, Duration.ofSeconds(1), "open", "connect.ok >= 1")
                .build();
        PhaseReport phase = new PhaseReport("only", "open", 1_000_000_000L, 1_000_000_000L, 0,
                Map.of("connect.ok", 0.0), scenario.phases().get(0).check(Map.of("connect.ok", 0.0), Map.of()),
                List.of(new RuleCount("<img onerror=x>", "reset", 1, 2, 3)));
        String html = HtmlReportWriter.render(new ScenarioReport(scenario.runInfo(SampleReports.STARTED),
                List.of(phase), List.of(), List.of(evil)));

        assertThat(html).doesNotContain("<script", "<img", "alert('x')");
        assertThat(html).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;",
                "&lt;img onerror=x&gt;");
        assertThat(html).as("no samples: the charts say the phase measured nothing").contains(">nothing measured</text>");
    }

    @Test
    void niceStepsShouldBeOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(SvgLineChart.niceStep(43, 5)).isEqualTo(10);
        assertThat(SvgLineChart.niceStep(40, 8)).isEqualTo(5);
        assertThat(SvgLineChart.niceStep(0.9, 5)).isEqualTo(0.2);
        assertThat(SvgLineChart.niceStep(130, 5)).isEqualTo(50);
    }

    @Test
    void sizesShouldReadLikeTheScenarioFiles() {
        assertThat(HtmlReportWriter.size(2_000_000)).isEqualTo("2 MB");
        assertThat(HtmlReportWriter.size(512_000)).isEqualTo("512 kB");
        assertThat(HtmlReportWriter.size(256)).isEqualTo("256 B");
        assertThat(HtmlReportWriter.size(1_048_576)).isEqualTo("1,048,576 B");
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
