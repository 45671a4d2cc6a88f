package dev.censorsim.report;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * An inline SVG 100%-stacked bar chart of how the attempts of one kind ended (DNS lookups, QUIC Initials, call
 * set-ups), one bar per phase. Shares rather than counts, because phases of different lengths make different numbers
 * of attempts; the count sits above each bar, and a phase without attempts is a dashed outline saying so.
 */
final class SvgOutcomeChart {

    /** One outcome: its label, colour, and its count in a phase (NaN or below 0 counts as 0), bottom to top. */
    record Outcome(String label, String color, ToDoubleFunction<PhaseReport> count) {
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 240;
    private static final int LEFT = 64;
    private static final int RIGHT = 20;
    private static final int TOP = 48;
    private static final int BOTTOM = 30;

    private SvgOutcomeChart() {
    }

    /**
     * @param label    the chart's accessible name, e.g. "DNS answers per phase"
     * @param noun     what the count above a bar counts, e.g. "lookups"
     * @param outcomes the stacked outcomes, bottom to top
     */
    static String render(String label, String noun, List<Outcome> outcomes, List<PhaseReport> phases) {
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder b = new StringBuilder(4096);
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"%s\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT,
                Html.escape(label)));
        for (int pct = 0; pct <= 100; pct += 25) {
            double py = TOP + plotH - plotH * pct / 100.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#dee2e6\"/>%n", LEFT, py, LEFT + plotW, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%d%%"
                    + "</text>%n", LEFT - 6, py + 4, pct));
        }
        double legendX = LEFT;
        for (Outcome o : outcomes) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"10\" width=\"14\" height=\"14\" rx=\"2\" "
                    + "fill=\"%s\"/><text x=\"%.1f\" y=\"22\" class=\"legend\">%s</text>%n", legendX, o.color(),
                    legendX + 19, Html.escape(o.label())));
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
            for (Outcome o : outcomes) {
                total += count(phase, o);
            }
            if (total <= 0) {
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"none\" stroke=\"#ced4da\" stroke-dasharray=\"4 3\"/>%n", x, TOP, barW, plotH));
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                        + "class=\"empty\">no %s</text>%n", cx, TOP + plotH / 2, Html.escape(noun)));
            } else {
                double y = TOP + plotH;
                for (Outcome o : outcomes) {
                    double c = count(phase, o);
                    if (c <= 0) {
                        continue;
                    }
                    double h = plotH * c / total;
                    y -= h;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            + "fill=\"%s\"><title>%s: %.0f %s (%.0f%%)</title></rect>%n", x, y, barW, h, o.color(),
                            Html.escape(phase.name()), c, Html.escape(o.label()), 100 * c / total));
                }
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">"
                        + "%.0f %s</text>%n", cx, TOP - 6, total, Html.escape(noun)));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                    + "class=\"band-label\">%s</text>%n", cx, TOP + plotH + 18,
                    Html.fittedSvgText(phase.name(), slot - 8, Html.BAND_LABEL_CHAR_PX)));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** True when some phase has a positive count for some outcome: the chart has something to show. */
    static boolean measured(List<Outcome> outcomes, List<PhaseReport> phases) {
        return phases.stream().anyMatch(p -> outcomes.stream().anyMatch(o -> count(p, o) > 0));
    }

    private static double count(PhaseReport phase, Outcome outcome) {
        double v = outcome.count().applyAsDouble(phase);
        return Double.isFinite(v) && v > 0 ? v : 0;
    }
}
