package dev.censorsim.report;

import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.messenger.CallWorkload;
import dev.censorsim.messenger.ChatWorkload;
import dev.censorsim.report.ExpectationResult;
import dev.censorsim.messenger.MediaWorkload;
import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.messenger.RetryStrategy;
import dev.censorsim.messenger.Strategies;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes {@code report.html}: one self-contained page (inline CSS and SVG, no scripts, no external resources, so it
 * opens from a CI artifact store offline). It says what was run, then what was seen: media throughput and chat
 * latency over time with the phases as shaded bands, connection outcomes per phase, the expectations in green and
 * red, every metric per phase and the rule counters. All text from the scenario or the run is escaped.
 */
public final class HtmlReportWriter {

    private static final String CSS = """
            body { font: 14px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; color: #212529;
                   margin: 0; background: #f6f7f9; }
            main { max-width: 940px; margin: 0 auto; padding: 24px 20px 40px; background: #fff; }
            h1 { font-size: 24px; margin: 0 0 6px; }
            h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
            h3 { font-size: 15px; margin: 22px 0 6px; }
            .badge { font-size: 13px; padding: 3px 9px; border-radius: 10px; vertical-align: middle; color: #fff; }
            .badge.pass { background: #2b8a3e; } .badge.fail { background: #c92a2a; }
            .muted { color: #6c757d; }
            table { border-collapse: collapse; width: 100%; margin: 6px 0; }
            th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
            th { background: #f1f3f5; font-weight: 600; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            table.kv th { width: 190px; background: none; }
            td.result { white-space: nowrap; }
            tr.pass td { background: #ebfbee; } tr.pass td.result { color: #2b8a3e; font-weight: 600; }
            tr.fail td { background: #fff5f5; } tr.fail td.result { color: #c92a2a; font-weight: 600; }
            tr.skip td { background: #f8f9fa; color: #868e96; }
            ul.rules { margin: 0; padding-left: 18px; } ul.rules li { font-family: ui-monospace, monospace;
                   font-size: 12.5px; }
            ul.warnings li { color: #a61e4d; }
            code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
            svg.chart { display: block; max-width: 100%; height: auto; }
            svg .tick { font-size: 11.5px; fill: #495057; }
            svg .unit { font-size: 12px; fill: #495057; font-weight: 600; }
            svg .legend { font-size: 12.5px; fill: #212529; }
            svg .band-label { font-size: 12px; fill: #495057; font-weight: 600; }
            svg .empty { font-size: 14px; fill: #adb5bd; }
            footer { margin-top: 32px; font-size: 12px; color: #868e96; }
            .verdict { border-radius: 6px; padding: 14px 18px; margin: 8px 0 14px; color: #fff; }
            .verdict.pass { background: #2b8a3e; } .verdict.fail { background: #c92a2a; }
            .verdict strong { font-size: 22px; display: block; }
            .panels { display: flex; flex-wrap: wrap; gap: 10px 20px; }
            svg.panel { max-width: 440px; }
            svg .blocked-label { font-size: 13px; font-weight: 600; }
            """;

    private HtmlReportWriter() {
    }

    /** Writes the report to {@code file}, replacing it whole ({@link ReportFiles#replace}). */
    public static void write(ScenarioReport report, Path file) throws IOException {
        byte[] page = render(report).getBytes(StandardCharsets.UTF_8);
        ReportFiles.replace(file, out -> out.write(page));
    }

    /** The whole page. */
    public static String render(ScenarioReport report) {
        RunInfo run = report.run();
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>censorsim: ").append(e(run.scenario())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        header(h, report);
        failedFirst(h, report);
        atAGlance(h, report);
        whatWasRun(h, run);
        whatWasSeen(h, report);
        h.append("<footer>censorsim scenario report &middot; ").append(e(run.scenario())).append(" &middot; ")
                .append(e(run.startedAt().toString())).append("</footer>\n</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, ScenarioReport report) {
        RunInfo run = report.run();
        boolean passed = report.passed();
        h.append("<h1>").append(e(run.scenario())).append(" <span class=\"badge ")
                .append(passed ? "pass\">PASSED" : "fail\">FAILED").append("</span></h1>\n");
        if (!run.description().isEmpty()) {
            h.append("<p>").append(e(run.description())).append("</p>\n");
        }
        long failed = report.failedCount();
        h.append("<div class=\"verdict ").append(passed ? "pass" : "fail").append("\"><strong>");
        if (passed) {
            h.append("PASSED: all ").append(report.expectedCount()).append(" expectations held");
        } else if (report.phases().size() < run.phases().size()) {
            h.append("FAILED: the run stopped after ").append(report.phases().size()).append(" of ")
                    .append(run.phases().size()).append(" phases; ").append(failed).append(" of ")
                    .append(report.expectedCount()).append(" expectations did not hold");
        } else {
            h.append("FAILED: ").append(failed).append(" of ").append(report.expectedCount())
                    .append(" expectations did not hold");
        }
        h.append("</strong></div>\n");
        h.append("<p class=\"muted\">").append(report.passedCount()).append(" of ").append(report.expectedCount())
                .append(" expectations held &middot; ").append(report.phases().size()).append(" of ")
                .append(run.phases().size()).append(" phases ran in ").append(fixed(report.realSeconds(), 1))
                .append(" s &middot; time scale ").append(e(SvgLineChart.trim(run.timeScale()))).append("</p>\n");
    }

    /** The expectations that failed (and those of phases that never ran), before anything else. */
    private static void failedFirst(StringBuilder h, ScenarioReport report) {
        if (report.passed()) {
            return;
        }
        h.append("<h2>What failed</h2>\n<table>\n<tr><th>phase</th><th>expectation</th><th class=\"num\">measured"
                + "</th><th>detail</th></tr>\n");
        for (PhaseReport phase : report.phases()) {
            for (ExpectationResult r : phase.expectations()) {
                if (!r.passed()) {
                    h.append("<tr class=\"fail\"><td>").append(e(r.phase())).append("</td><td><code>")
                            .append(e(r.expression())).append("</code></td><td class=\"num\">")
                            .append(e(measured(r))).append("</td><td>").append(e(r.message())).append("</td></tr>\n");
                }
            }
        }
        RunInfo run = report.run();
        for (int i = report.phases().size(); i < run.phases().size(); i++) {
            PlannedPhase phase = run.phases().get(i);
            for (String expression : phase.expectations()) {
                h.append("<tr class=\"skip\"><td>").append(e(phase.name())).append("</td><td><code>")
                        .append(e(expression)).append("</code></td><td class=\"num\">-</td><td>phase did not run"
                                + "</td></tr>\n");
            }
        }
        h.append("</table>\n");
    }

    /** Each key metric per phase beside the baseline, with the thresholds drawn: the page's one picture. */
    private static void atAGlance(StringBuilder h, ScenarioReport report) {
        String panels = SvgPhaseComparison.render(report.phases());
        if (panels.isEmpty()) {
            return;
        }
        h.append("<h2>Per phase, beside the baseline</h2>\n<p class=\"muted\">Grey: the first phase; blue: the "
                + "others, labelled with their share of it. Dashed lines: thresholds of the expectations (green held, "
                + "red failed). A red cross: the phase measured nothing.</p>\n<div class=\"panels\">\n")
                .append(panels).append("</div>\n");
    }

    private static String measured(ExpectationResult r) {
        Metric metric = Metric.named(r.metric()).orElse(null);
        return Double.isNaN(r.measured()) ? "not measured"
                : metric != null ? metric.format(r.measured()) : Double.toString(r.measured());
    }

    /** The thresholds of expectations on {@code metrics}, across their phases' bands, divided into the chart's unit. */
    private static List<SvgLineChart.Threshold> thresholds(List<PhaseReport> phases, double divisor,
                                                           Metric... metrics) {
        List<SvgLineChart.Threshold> out = new ArrayList<>();
        for (PhaseReport p : phases) {
            for (ExpectationResult r : p.expectations()) {
                for (Metric m : metrics) {
                    if (r.metric().equals(m.name()) && Double.isFinite(r.threshold())) {
                        out.add(new SvgLineChart.Threshold(p.startSeconds(), p.endSeconds(), r.threshold() / divisor,
                                r.passed(), p.name() + ": " + r.expression() + (r.passed() ? " (held)" : " (failed)")));
                    }
                }
            }
        }
        return out;
    }

    /** The phases that measured none of {@code metric}: drawn hatched red on its chart. */
    private static List<PhaseBand> unmeasured(List<PhaseReport> phases, Metric metric) {
        List<PhaseBand> out = new ArrayList<>();
        for (PhaseReport p : phases) {
            if (!Double.isFinite(p.metric(metric.name()))) {
                out.add(new PhaseBand(p.name(), p.startSeconds(), p.endSeconds()));
            }
        }
        return out;
    }

    private static void whatWasRun(StringBuilder h, RunInfo run) {
        h.append("<h2>What was run</h2>\n<table class=\"kv\">\n");
        row(h, "scenario file", run.file());
        row(h, "started at", run.startedAt().toString());
        row(h, "time scale", SvgLineChart.trim(run.timeScale()) + " (phase durations are multiplied by it)");
        long planned = run.phases().stream().mapToLong(PlannedPhase::scaledNanos).sum();
        row(h, "planned run time", Durations.format(planned));
        h.append("</table>\n<h3>Messenger</h3>\n<table class=\"kv\">\n");
        if (run.messenger() == null) {
            row(h, "messenger", "none: a live censor run (censorsim serve --timeline), real apps were the clients");
        } else {
            for (Map.Entry<String, String> setting : messenger(run.messenger()).entrySet()) {
                row(h, setting.getKey(), setting.getValue());
            }
        }
        h.append("</table>\n<h3>Timeline</h3>\n<table>\n<tr><th>phase</th><th class=\"num\">duration</th>"
                + "<th>policy</th><th>rules</th></tr>\n");
        for (PlannedPhase p : run.phases()) {
            h.append("<tr><td><strong>").append(e(p.name())).append("</strong>");
            if (!p.description().isEmpty()) {
                h.append("<br><span class=\"muted\">").append(e(p.description())).append("</span>");
            }
            h.append("</td><td class=\"num\">").append(e(Durations.format(p.scaledNanos())));
            if (p.scaledNanos() != p.nominalNanos()) {
                h.append("<br><span class=\"muted\">nominal ").append(e(Durations.format(p.nominalNanos())))
                        .append("</span>");
            }
            h.append("</td><td>").append(e(p.policy())).append("<br><span class=\"muted\">")
                    .append(e(p.policyOrigin())).append("</span></td><td><ul class=\"rules\">");
            for (String rule : p.rules()) {
                h.append("<li>").append(e(rule)).append("</li>");
            }
            h.append("</ul></td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void whatWasSeen(StringBuilder h, ScenarioReport report) {
        h.append("<h2>What was seen</h2>\n");
        if (!report.warnings().isEmpty()) {
            h.append("<ul class=\"warnings\">\n");
            for (String warning : report.warnings()) {
                h.append("<li>").append(e(warning)).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        List<PhaseBand> bands = new ArrayList<>();
        for (PhaseReport p : report.phases()) {
            bands.add(new PhaseBand(p.name(), p.startSeconds(), p.endSeconds()));
        }
        double xMax = report.phases().isEmpty() ? 0 : report.phases().get(report.phases().size() - 1).endSeconds();
        for (TimeSample s : report.samples()) {
            xMax = Math.max(xMax, s.seconds());
        }
        List<TimeSample> samples = report.samples();
        double[] xs = new double[samples.size()];
        double[] throughput = new double[samples.size()];
        double[] p50 = new double[samples.size()];
        double[] p99 = new double[samples.size()];
        double maxThroughput = 0;
        for (int i = 0; i < xs.length; i++) {
            TimeSample s = samples.get(i);
            xs[i] = s.seconds();
            throughput[i] = s.get(Metric.MEDIA_THROUGHPUT);
            p50[i] = s.get(Metric.CHAT_LATENCY_P50);
            p99[i] = s.get(Metric.CHAT_LATENCY_P99);
            if (Double.isFinite(throughput[i])) {
                maxThroughput = Math.max(maxThroughput, throughput[i]);
            }
        }
        boolean mega = maxThroughput >= 1e6;
        double divisor = mega ? 1e6 : 1e3;
        for (int i = 0; i < throughput.length; i++) {
            throughput[i] /= divisor;
        }
        boolean messenger = report.run().messenger() != null;
        if (messenger && report.run().messenger().media() != null) { // a run without media has nothing to draw here
            h.append("<h3>Media throughput</h3>\n");
            h.append(SvgLineChart.render("media throughput over time", mega ? "Mbit/s" : "kbit/s", bands,
                    List.of(new SvgLineChart.Series("media throughput", ReportColors.THROUGHPUT, xs, throughput)),
                    xMax, v -> SvgLineChart.trim(v), thresholds(report.phases(), divisor, Metric.MEDIA_THROUGHPUT),
                    unmeasured(report.phases(), Metric.MEDIA_THROUGHPUT)));
        }
        if (messenger && report.run().messenger().chat() != null) {
            h.append("<h3>Chat latency</h3>\n");
            h.append(SvgLineChart.render("chat latency p50 and p99 over time", "ms", bands,
                    List.of(new SvgLineChart.Series("p50", ReportColors.LATENCY_P50, xs, p50),
                            new SvgLineChart.Series("p99", ReportColors.LATENCY_P99, xs, p99)), xMax,
                    v -> SvgLineChart.trim(v),
                    thresholds(report.phases(), 1, Metric.CHAT_LATENCY_P50, Metric.CHAT_LATENCY_P99),
                    unmeasured(report.phases(), Metric.CHAT_LATENCY_P50)));
        }
        if (messenger) { // the charts plot the messenger's figures; a live run has only the censor's counters
            calls(h, report.phases(), samples, xs, bands, xMax);
            h.append("<h3>Connection outcomes</h3>\n");
            h.append(SvgConnectChart.render(report.phases()));
            dnsQuicAndCallSetUp(h, report.phases());
        }
        expectations(h, report);
        metrics(h, report.phases());
        rules(h, report.phases());
    }

    /**
     * DNS answers and lookup latency, QUIC-first outcomes, and call set-up outcomes and time, per phase; each only when
     * some phase measured it (a run without {@code messenger.dns}, QUIC or calls shows none of them).
     */
    private static void dnsQuicAndCallSetUp(StringBuilder h, List<PhaseReport> phases) {
        List<SvgOutcomeChart.Outcome> dns = List.of(
                outcome("address", ReportColors.CONNECT_OK, Metric.DNS_OK),
                outcome("NXDOMAIN", ReportColors.DNS_NXDOMAIN, Metric.DNS_NXDOMAIN),
                outcome("no data", ReportColors.DNS_NODATA, Metric.DNS_NODATA),
                outcome("SERVFAIL/REFUSED", ReportColors.DNS_SERVFAIL, Metric.DNS_SERVFAIL),
                outcome("timeout", ReportColors.CONNECT_TIMEOUT, Metric.DNS_TIMEOUT));
        if (SvgOutcomeChart.measured(dns, phases)) {
            h.append("<h3>DNS lookups</h3>\n");
            h.append(SvgOutcomeChart.render("DNS answers per phase", "lookups", dns, phases));
            List<SvgPhaseBars.Bar> latency = List.of(
                    new SvgPhaseBars.Bar(Metric.DNS_LATENCY_P50, "lookup latency p50", ReportColors.LATENCY_P50),
                    new SvgPhaseBars.Bar(Metric.DNS_LATENCY_P99, "lookup latency p99", ReportColors.LATENCY_P99));
            if (SvgPhaseBars.measured(latency, phases)) {
                h.append(SvgPhaseBars.render("DNS lookup latency per phase", "ms", latency, phases));
            }
        }
        List<SvgOutcomeChart.Outcome> quic = List.of(
                outcome("QUIC answered", ReportColors.CONNECT_OK, Metric.QUIC_OK),
                outcome("TCP after the QUIC timeout", ReportColors.CONNECT_TIMEOUT, Metric.QUIC_FALLBACK),
                outcome("TCP at once (QUIC marked broken)", ReportColors.FALLBACK, Metric.QUIC_SKIPPED));
        if (SvgOutcomeChart.measured(quic, phases)) {
            h.append("<h3>QUIC first</h3>\n");
            h.append(SvgOutcomeChart.render("QUIC or TCP fallback per phase", "connections", quic, phases));
        }
        // call.setup_ok counts calls set up either way; call.fallback those of them set up on the TLS relay.
        List<SvgOutcomeChart.Outcome> calls = List.of(
                new SvgOutcomeChart.Outcome("set up over UDP", ReportColors.CONNECT_OK,
                        p -> orZero(p, Metric.CALL_SETUP_OK) - orZero(p, Metric.CALL_FALLBACK)),
                outcome("set up over the TLS fallback", ReportColors.FALLBACK, Metric.CALL_FALLBACK),
                outcome("failed", ReportColors.CONNECT_RESET, Metric.CALL_SETUP_FAILED));
        if (SvgOutcomeChart.measured(calls, phases)) {
            h.append("<h3>Call set-up</h3>\n");
            h.append(SvgOutcomeChart.render("call set-up per phase", "calls", calls, phases));
            List<SvgPhaseBars.Bar> time = List.of(
                    new SvgPhaseBars.Bar(Metric.CALL_SETUP_TIME_P50, "set-up time p50", ReportColors.LATENCY_P50),
                    new SvgPhaseBars.Bar(Metric.CALL_SETUP_TIME_P99, "set-up time p99", ReportColors.LATENCY_P99));
            if (SvgPhaseBars.measured(time, phases)) {
                h.append(SvgPhaseBars.render("call set-up time per phase", "ms", time, phases));
            }
        }
    }

    private static SvgOutcomeChart.Outcome outcome(String label, String color, Metric metric) {
        return new SvgOutcomeChart.Outcome(label, color, p -> p.metric(metric.name()));
    }

    private static double orZero(PhaseReport phase, Metric metric) {
        double v = phase.metric(metric.name());
        return Double.isFinite(v) ? v : 0;
    }

    /** The call quality chart, when the run had calls: MOS per second (E-model), absent where no media was decided. */
    private static void calls(StringBuilder h, List<PhaseReport> phases, List<TimeSample> samples, double[] xs,
                              List<PhaseBand> bands, double xMax) {
        double[] mos = new double[samples.size()];
        boolean any = false;
        for (int i = 0; i < mos.length; i++) {
            mos[i] = samples.get(i).get(Metric.CALL_MOS);
            any |= Double.isFinite(mos[i]);
        }
        if (!any) {
            return;
        }
        h.append("<h3>Call quality</h3>\n");
        h.append(SvgLineChart.render("call MOS over time (E-model, 1 to 4.5)", "MOS", bands,
                List.of(new SvgLineChart.Series("MOS", ReportColors.CALL_MOS, xs, mos)), xMax,
                v -> SvgLineChart.trim(v), thresholds(phases, 1, Metric.CALL_MOS), unmeasured(phases, Metric.CALL_MOS)));
    }

    private static void expectations(StringBuilder h, ScenarioReport report) {
        h.append("<h3>Expectations</h3>\n<table>\n<tr><th>phase</th><th>expectation</th><th class=\"num\">measured"
                + "</th><th>detail</th><th>result</th></tr>\n");
        for (PhaseReport phase : report.phases()) {
            for (ExpectationResult r : phase.expectations()) {
                String measured = measured(r);
                h.append("<tr class=\"").append(r.passed() ? "pass" : "fail").append("\"><td>")
                        .append(e(r.phase())).append("</td><td><code>").append(e(r.expression()))
                        .append("</code></td><td class=\"num\">").append(e(measured)).append("</td><td>")
                        .append(e(r.message())).append("</td><td class=\"result\">")
                        .append(r.passed() ? "&#10003; pass" : "&#10007; fail").append("</td></tr>\n");
            }
        }
        RunInfo run = report.run();
        for (int i = report.phases().size(); i < run.phases().size(); i++) {
            PlannedPhase phase = run.phases().get(i);
            for (String expression : phase.expectations()) {
                h.append("<tr class=\"skip\"><td>").append(e(phase.name())).append("</td><td><code>")
                        .append(e(expression)).append("</code></td><td class=\"num\">-</td><td>phase did not run"
                                + "</td><td class=\"result\">skipped</td></tr>\n");
            }
        }
        h.append("</table>\n");
    }

    private static void metrics(StringBuilder h, List<PhaseReport> phases) {
        Set<String> names = new LinkedHashSet<>();
        for (String known : Metric.all().keySet()) {
            if (phases.stream().anyMatch(p -> p.metrics().containsKey(known))) {
                names.add(known);
            }
        }
        phases.forEach(p -> names.addAll(p.metrics().keySet()));
        if (names.isEmpty()) {
            return;
        }
        h.append("<h3>Metrics per phase</h3>\n<table>\n<tr><th>metric</th>");
        for (PhaseReport p : phases) {
            h.append("<th class=\"num\">").append(e(p.name())).append("</th>");
        }
        h.append("</tr>\n");
        for (String name : names) {
            Metric metric = Metric.named(name).orElse(null);
            h.append("<tr><td><code>").append(e(name)).append("</code></td>");
            for (PhaseReport p : phases) {
                double v = p.metric(name);
                String text = Double.isNaN(v) ? "-" : metric != null ? metric.format(v) : SvgLineChart.trim(v);
                h.append("<td class=\"num\">").append(e(text)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void rules(StringBuilder h, List<PhaseReport> phases) {
        if (phases.stream().allMatch(p -> p.rules().isEmpty())) {
            return;
        }
        h.append("<h3>Rule counters</h3>\n<table>\n<tr><th>phase</th><th>rule</th><th>action</th>"
                + "<th class=\"num\">flows</th><th class=\"num\">bytes up</th><th class=\"num\">bytes down</th>"
                + "</tr>\n");
        for (PhaseReport p : phases) {
            for (RuleCount r : p.rules()) {
                h.append("<tr><td>").append(e(p.name())).append("</td><td>").append(e(r.rule())).append("</td><td>")
                        .append(e(r.action())).append("</td><td class=\"num\">").append(r.flows())
                        .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%,d", r.bytesUp()))
                        .append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%,d", r.bytesDown()))
                        .append("</td></tr>\n");
            }
        }
        h.append("</table>\n");
    }

    /** The messenger's settings as label/value pairs, in the order a reader wants them. */
    static Map<String, String> messenger(MessengerSettings m) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("chat name", m.chatName() == null ? "-" : m.chatName());
        out.put("media name", m.mediaName() == null ? "-" : m.mediaName());
        out.put("alternatives", m.alternatives().isEmpty() ? "-" : String.join(", ", m.alternatives()));
        out.put("control name", m.controlName() == null ? "-" : m.controlName());
        out.put("front", m.front().wireName());
        ChatWorkload chat = m.chat();
        out.put("chat workload", chat == null ? "none" : SvgLineChart.trim(chat.messagesPerSecond())
                + " messages/s of " + size(chat.messageBytes()) + ", ack timeout "
                + Durations.format(chat.timeoutNanos()));
        MediaWorkload media = m.media();
        out.put("media workload", media == null ? "none" : size(media.transferBytes()) + " "
                + (media.direction() == Direction.DOWN ? "downloads" : "uploads") + ", " + media.concurrency()
                + " at a time");
        CallWorkload calls = m.calls();
        out.put("calls", calls == null ? "none" : "one at a time, " + Durations.format(calls.durationNanos())
                + " long, " + Durations.format(calls.gapNanos()) + " apart; RTP at 50 packets/s over UDP; set-up "
                + "timeout " + Durations.format(calls.setupTimeoutNanos()) + ", dropped after "
                + Durations.format(calls.dropSilenceNanos()) + " of silence");
        out.put("chat churn", m.churnNanos() == 0 ? "none" : "reconnect every " + Durations.format(m.churnNanos()));
        out.put("connect timeout", Durations.format(m.connectTimeoutNanos()));
        out.put("strategies", strategies(m.strategies()));
        return out;
    }

    private static String strategies(Strategies s) {
        List<String> on = new ArrayList<>();
        RetryStrategy r = s.retry();
        if (r != null) {
            on.add("retry " + r.attempts() + " attempts, backoff " + Durations.format(r.baseNanos()) + " to "
                    + Durations.format(r.maxNanos()) + ", jitter " + SvgLineChart.trim(r.jitter()));
        }
        if (s.alternatives()) {
            on.add("alternative names");
        }
        if (s.splitClientHello() > 0) {
            on.add("ClientHello in " + s.splitClientHello() + " TCP segments");
        }
        if (s.noSni()) {
            on.add("no SNI");
        }
        if (!s.dnsFallback().isEmpty()) {
            on.add("hardcoded addresses when DNS fails ("
                    + String.join(", ", s.dnsFallback().stream().map(a -> a.getHostAddress()).toList()) + ")");
        }
        if (s.doh() != null) {
            on.add("DNS over HTTPS via " + s.doh() + " when DNS fails");
        }
        if (s.callFallback()) {
            on.add("calls relayed over TLS when UDP fails");
        }
        if (s.quic() != null) {
            long brokenFor = s.quic().brokenForNanos();
            on.add("QUIC first, TCP/TLS after " + Durations.format(s.quic().timeoutNanos()) + " without an answer"
                    + (brokenFor > 0 ? ", then TCP only for " + Durations.format(brokenFor) : ""));
        }
        return on.isEmpty() ? "none" : String.join("; ", on);
    }

    /** Decimal units as the scenario files write them: {@code 2 MB}, {@code 256 B}, {@code 1,500 B}. */
    static String size(long bytes) {
        if (bytes >= 1_000_000 && bytes % 1_000 == 0) {
            return SvgLineChart.trim(bytes / 1e6) + " MB";
        }
        if (bytes >= 1_000 && bytes % 100 == 0) {
            return SvgLineChart.trim(bytes / 1e3) + " kB";
        }
        return String.format(Locale.ROOT, "%,d B", bytes);
    }

    private static void row(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(e(key)).append("</th><td>").append(e(value)).append("</td></tr>\n");
    }

    private static String fixed(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String e(String s) {
        return Html.escape(s);
    }
}
