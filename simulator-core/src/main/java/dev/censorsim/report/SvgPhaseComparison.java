package dev.censorsim.report;

import dev.censorsim.metrics.Metric;
import dev.censorsim.report.ExpectationResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Small multiples of the key metrics, one bar per phase beside the first phase (the baseline): the picture of "what
 * the censor did to each thing the app does". A phase that did not measure a metric gets a red cross instead of a
 * bar (nothing got through: not the same as zero, and not a pass), and each expectation on the metric is drawn on its
 * phase's bar as a threshold tick, green where it held and red where it failed.
 */
final class SvgPhaseComparison {

    /** The metrics worth a panel, in reading order; a panel is drawn only when some phase measured the metric. */
    static final List<Metric> KEY_METRICS = List.of(Metric.MEDIA_THROUGHPUT, Metric.CHAT_DELIVERED_RATIO,
            Metric.CHAT_LATENCY_P99, Metric.CONNECT_OK_RATIO, Metric.DNS_OK_RATIO, Metric.QUIC_OK_RATIO,
            Metric.CALL_SETUP_OK_RATIO, Metric.CALL_MOS);

    static final int PANEL_WIDTH = 440;
    static final int PANEL_HEIGHT = 190;
    private static final int LEFT = 86;
    private static final int RIGHT = 12;
    private static final int TOP = 30;
    private static final int BOTTOM = 40;

    /** Bars: the baseline grey, the others light blue (no series colour, so screenshot checks can tell charts apart); crosses and failed thresholds red, held ones green. */
    static final String BASELINE = "#adb5bd";
    static final String BAR = "#74c0fc";
    static final String MISSING = "#c92a2a";
    static final String HELD = "#2b8a3e";

    private SvgPhaseComparison() {
    }

    /** The panels for every key metric some phase measured, or an empty string when there is none. */
    static String render(List<PhaseReport> phases) {
        StringBuilder b = new StringBuilder();
        for (Metric metric : KEY_METRICS) {
            if (phases.stream().anyMatch(p -> Double.isFinite(p.metric(metric.name())))) {
                b.append(panel(metric, phases));
            }
        }
        return b.toString();
    }

    static String panel(Metric metric, List<PhaseReport> phases) {
        int n = phases.size();
        double max = 0;
        List<List<ExpectationResult>> thresholds = new ArrayList<>();
        for (PhaseReport p : phases) {
            double v = p.metric(metric.name());
            if (Double.isFinite(v)) {
                max = Math.max(max, v);
            }
            List<ExpectationResult> mine = p.expectations().stream()
                    .filter(r -> r.metric().equals(metric.name()) && Double.isFinite(r.threshold())).toList();
            for (ExpectationResult r : mine) {
                max = Math.max(max, r.threshold());
            }
            thresholds.add(mine);
        }
        boolean ratio = metric.unit() == Metric.Unit.RATIO;
        double top = ratio ? Math.max(1, max) : niceTop(max);
        double plotW = PANEL_WIDTH - LEFT - RIGHT;
        double plotH = PANEL_HEIGHT - TOP - BOTTOM;
        double slot = plotW / Math.max(1, n);
        double barW = Math.min(48, slot * 0.6);
        double baseline = n == 0 ? Double.NaN : phases.get(0).metric(metric.name());
        StringBuilder b = new StringBuilder(4096);
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart panel\" "
                + "role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"%s per phase\">%n",
                PANEL_WIDTH, PANEL_HEIGHT, PANEL_WIDTH, PANEL_HEIGHT, Html.escape(metric.name())));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"legend\" font-weight=\"600\">%s"
                + "<title>%s</title></text>%n", LEFT, Html.escape(metric.name()), Html.escape(metric.description())));
        for (int k = 0; k <= 2; k++) {
            double y = top * k / 2;
            double py = TOP + plotH - plotH * k / 2;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#dee2e6\"/>%n", LEFT, py, LEFT + plotW, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s"
                    + "</text>%n", LEFT - 5, py + 4, Html.escape(axis(metric, y))));
        }
        for (int i = 0; i < n; i++) {
            PhaseReport p = phases.get(i);
            double cx = LEFT + slot * (i + 0.5);
            double v = p.metric(metric.name());
            double baseY = TOP + plotH;
            if (Double.isFinite(v)) {
                double h = plotH * Math.max(0, Math.min(1, v / top));
                b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        + "height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>%n", cx - barW / 2, baseY - h, barW,
                        Math.max(h, 0.5), i == 0 ? BASELINE : BAR, Html.escape(p.name()),
                        Html.escape(metric.format(v))));
                String label = ratio ? axis(metric, v) : metric.format(v);
                if (i > 0 && Double.isFinite(baseline) && baseline > 0 && !ratio) {
                    label = String.format(Locale.ROOT, "%.0f%%", 100 * v / baseline);
                }
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                        + "class=\"tick\">%s</text>%n", cx, baseY - h - 4, Html.escape(label)));
            } else {
                // Not measured: nothing got through in this phase (or the workload did not run): a failure mark.
                double s = Math.min(9, barW / 3);
                double cy = baseY - 14;
                b.append(String.format(Locale.ROOT, "<g class=\"missing\" stroke=\"%s\" stroke-width=\"3\" "
                        + "stroke-linecap=\"round\"><title>%s: not measured</title><line x1=\"%.1f\" y1=\"%.1f\" "
                        + "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>%n",
                        MISSING, Html.escape(p.name()), cx - s, cy - s, cx + s, cy + s, cx - s, cy + s, cx + s,
                        cy - s));
            }
            for (ExpectationResult r : thresholds.get(i)) {
                double ty = TOP + plotH - plotH * Math.max(0, Math.min(1, r.threshold() / top));
                b.append(String.format(Locale.ROOT, "<line class=\"threshold\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        + "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\" stroke-dasharray=\"5 3\"><title>%s</title>"
                        + "</line>%n", cx - slot * 0.45, ty, cx + slot * 0.45, ty, r.passed() ? HELD : MISSING,
                        Html.escape(r.expression() + " (" + (r.passed() ? "held" : "failed") + ")")));
            }
            String name = Html.fit(p.name(), slot - 4, Html.TICK_CHAR_PX);
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">"
                    + "%s</text>%n", cx, baseY + 16, Html.escape(name)));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static String axis(Metric metric, double v) {
        if (metric.unit() == Metric.Unit.RATIO) {
            return String.format(Locale.ROOT, "%.0f%%", v * 100);
        }
        return metric.format(v);
    }

    private static double niceTop(double max) {
        if (!(max > 0)) {
            return 1;
        }
        double step = SvgLineChart.niceStep(max * 1.1, 2);
        return Math.ceil(max * 1.1 / step) * step;
    }
}
