package dev.censorsim.report;

import dev.censorsim.metrics.Metric;

import java.util.List;

/**
 * An inline SVG stacked bar chart of how connection attempts ended, one bar per phase. Bars are shares of the phase's
 * attempts (100% stacked), because phases of different lengths make different numbers of attempts; the count sits
 * above each bar. Drawn by {@link SvgOutcomeChart}, as the DNS, QUIC and call set-up charts are.
 */
final class SvgConnectChart {

    /** The outcomes, bottom to top. */
    static final List<SvgOutcomeChart.Outcome> OUTCOMES = List.of(
            outcome(Metric.CONNECT_OK, "ok", ReportColors.CONNECT_OK),
            outcome(Metric.CONNECT_RESET, "reset", ReportColors.CONNECT_RESET),
            outcome(Metric.CONNECT_TIMEOUT, "timeout", ReportColors.CONNECT_TIMEOUT),
            outcome(Metric.CONNECT_REFUSED, "refused", ReportColors.CONNECT_REFUSED),
            outcome(Metric.CONNECT_OTHER, "other", ReportColors.CONNECT_OTHER));

    private SvgConnectChart() {
    }

    static String render(List<PhaseReport> phases) {
        return SvgOutcomeChart.render("connect outcomes per phase", "attempts", OUTCOMES, phases);
    }

    private static SvgOutcomeChart.Outcome outcome(Metric metric, String label, String color) {
        return new SvgOutcomeChart.Outcome(label, color, phase -> phase.metric(metric.name()));
    }
}
