package dev.censorsim.report;

import dev.censorsim.metrics.Metric;

import java.util.List;
import java.util.Locale;

/**
 * An inline SVG grouped bar chart of a few metrics of one unit per phase (e.g. DNS lookup latency p50 and p99), with
 * the value above each bar; a phase that did not measure a metric shows "-" in its place rather than a zero bar.
 */
final class SvgPhaseBars {

    /** One bar per phase: the metric, its legend label and colour. */
    record Bar(Metric metric, String label, String color) {
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 220;
    private static final int LEFT = 64;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 30;

    private SvgPhaseBars() {
    }

    /** {@code unit} labels the axis; values are shown as the metric's unit gives them (ms for latencies). */
    static String render(String label, String unit, List<Bar> bars, List<PhaseReport> phases) {
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        double max = 0;
        for (PhaseReport p : phases) {
            for (Bar bar : bars) {
                double v = p.metric(bar.metric().name());
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        double top = niceCeiling(max);
        StringBuilder b = new StringBuilder(4096);
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"%s\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT,
                Html.escape(label)));
        for (int i = 0; i <= 4; i++) {
            double value = top * i / 4;
            double py = TOP + plotH - plotH * i / 4.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#dee2e6\"/>%n", LEFT, py, LEFT + plotW, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s"
                    + "</text>%n", LEFT - 6, py + 4, SvgLineChart.trim(value)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%.1f\" class=\"tick\" transform=\"rotate(-90 12 %.1f)\" "
                + "text-anchor=\"middle\">%s</text>%n", TOP + plotH / 2, TOP + plotH / 2, Html.escape(unit)));
        double legendX = LEFT;
        for (Bar bar : bars) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"10\" width=\"14\" height=\"14\" rx=\"2\" "
                    + "fill=\"%s\"/><text x=\"%.1f\" y=\"22\" class=\"legend\">%s</text>%n", legendX, bar.color(),
                    legendX + 19, Html.escape(bar.label())));
            legendX += 19 + bar.label().length() * 7.5 + 22;
        }
        int n = Math.max(1, phases.size());
        double slot = plotW / n;
        double group = Math.min(160, slot * 0.7);
        double barW = group / Math.max(1, bars.size());
        for (int i = 0; i < phases.size(); i++) {
            PhaseReport phase = phases.get(i);
            double cx = LEFT + slot * i + slot / 2;
            for (int j = 0; j < bars.size(); j++) {
                Bar bar = bars.get(j);
                double x = cx - group / 2 + barW * j;
                double v = phase.metric(bar.metric().name());
                String text = Double.isFinite(v) ? bar.metric().format(v) : "-";
                if (Double.isFinite(v) && top > 0) {
                    double h = plotH * Math.min(v, top) / top;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            + "fill=\"%s\"><title>%s: %s %s</title></rect>%n", x + 2, TOP + plotH - h, barW - 4, h,
                            bar.color(), Html.escape(phase.name()), Html.escape(bar.label()), Html.escape(text)));
                    b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                            + "class=\"tick\">%s</text>%n", x + barW / 2, TOP + plotH - h - 4, Html.escape(text)));
                } else {
                    b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                            + "class=\"empty\">%s</text>%n", x + barW / 2, TOP + plotH - 4, Html.escape(text)));
                }
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                    + "class=\"band-label\">%s</text>%n", cx, TOP + plotH + 18,
                    Html.fittedSvgText(phase.name(), slot - 8, Html.BAND_LABEL_CHAR_PX)));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** True when some phase measured some of the bars. */
    static boolean measured(List<Bar> bars, List<PhaseReport> phases) {
        return phases.stream().anyMatch(p -> bars.stream().anyMatch(bar -> Double.isFinite(p.metric(bar.metric().name()))));
    }

    /** 1, 2 or 5 times a power of ten at or above {@code v}, so the axis ticks are round numbers. */
    static double niceCeiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
