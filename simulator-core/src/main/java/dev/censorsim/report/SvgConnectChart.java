package dev.censorsim.report;

import dev.censorsim.metrics.Metric;

import java.util.List;
import java.util.Locale;

/**
 * An inline SVG stacked bar chart of how connection attempts ended, one bar per phase. Bars are shares of the phase's
 * attempts (100% stacked), because phases of different lengths make different numbers of attempts; the count sits
 * above each bar.
 */
final class SvgConnectChart {

    /** One outcome: its metric, label and colour, bottom to top. */
    record Outcome(Metric metric, String label, String color) {
    }

    static final List<Outcome> OUTCOMES = List.of(
            new Outcome(Metric.CONNECT_OK, "ok", ReportColors.CONNECT_OK),
            new Outcome(Metric.CONNECT_RESET, "reset", ReportColors.CONNECT_RESET),
            new Outcome(Metric.CONNECT_TIMEOUT, "timeout", ReportColors.CONNECT_TIMEOUT),
            new Outcome(Metric.CONNECT_REFUSED, "refused", ReportColors.CONNECT_REFUSED),
            new Outcome(Metric.CONNECT_OTHER, "other", ReportColors.CONNECT_OTHER));

    static final int WIDTH = 900;
    static final int HEIGHT = 260;
    private static final int LEFT = 64;
    private static final int RIGHT = 20;
    private static final int TOP = 48;
    private static final int BOTTOM = 30;

    private SvgConnectChart() {
    }

    static String render(List<PhaseReport> phases) {
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder b = new StringBuilder(4096);
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"connect outcomes per phase\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        for (int pct = 0; pct <= 100; pct += 25) {
            double py = TOP + plotH - plotH * pct / 100.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#dee2e6\"/>%n", LEFT, py, LEFT + plotW, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%d%%"
                    + "</text>%n", LEFT - 6, py + 4, pct));
        }
        double legendX = LEFT;
        for (Outcome o : OUTCOMES) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"10\" width=\"14\" height=\"14\" rx=\"2\" "
                    + "fill=\"%s\"/><text x=\"%.1f\" y=\"22\" class=\"legend\">%s</text>%n", legendX, o.color(),
                    legendX + 19, o.label()));
            legendX += 19 + o.label().length() * 7.5 + 22;
        }
        int n = Math.max(1, phases.size());
        double slot = plotW / n;
        double barW = Math.min(120, slot * 0.6);
        for (int i = 0; i < phases.size(); i++) {
            PhaseReport phase = phases.get(i);
            double cx = LEFT + slot * i + slot / 2;
            double x = cx - barW / 2;
            double total = 0;
            for (Outcome o : OUTCOMES) {
                total += count(phase, o.metric());
            }
            if (total <= 0) {
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"none\" stroke=\"#ced4da\" stroke-dasharray=\"4 3\"/>%n", x, TOP, barW, plotH));
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                        + "class=\"empty\">no attempts</text>%n", cx, TOP + plotH / 2));
            } else {
                double y = TOP + plotH;
                for (Outcome o : OUTCOMES) {
                    double c = count(phase, o.metric());
                    if (c <= 0) {
                        continue;
                    }
                    double h = plotH * c / total;
                    y -= h;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            + "fill=\"%s\"><title>%s: %s %s (%.0f%%)</title></rect>%n", x, y, barW, h, o.color(),
                            Html.escape(phase.name()), Metric.CONNECT_OK.format(c), o.label(), 100 * c / total));
                }
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">"
                        + "%s attempts</text>%n", cx, TOP - 6, Metric.CONNECT_ATTEMPTS.format(total)));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                    + "class=\"band-label\">%s</text>%n", cx, TOP + plotH + 18, Html.escape(phase.name())));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static double count(PhaseReport phase, Metric metric) {
        double v = phase.metric(metric.name());
        return Double.isFinite(v) && v > 0 ? v : 0;
    }
}
