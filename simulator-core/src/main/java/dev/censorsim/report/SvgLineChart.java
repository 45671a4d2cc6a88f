package dev.censorsim.report;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * An inline SVG line chart over the run's time axis, with the phases as shaded, labelled bands behind the lines.
 * Missing values ({@code NaN}) break a line rather than drawing it down to zero: "not measured" is not "zero".
 */
final class SvgLineChart {

    /** One line: its legend label, colour, and points (x in seconds, y in the chart's unit, NaN for a gap). */
    record Series(String label, String color, double[] xs, double[] ys) {
    }

    /**
     * An expectation's threshold across its phase's band (in the chart's unit), drawn as a dashed line: green where
     * the expectation held, red where it failed.
     */
    record Threshold(double startSeconds, double endSeconds, double value, boolean held, String label) {
    }

    /** Where a band is drawn hatched red: the phase should have measured this chart's figure and did not. */
    static final String BLOCKED = "#c92a2a";

    static final int WIDTH = 900;
    static final int HEIGHT = 280;
    private static final int LEFT = 64;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 34;

    private SvgLineChart() {
    }

    /**
     * @param label   accessible name of the chart
     * @param unit    the y axis unit, printed above the axis
     * @param xMax    the end of the time axis in seconds
     * @param yFormat how a y tick reads
     */
    static String render(String label, String unit, List<PhaseBand> bands, List<Series> series, double xMax,
                         DoubleFunction<String> yFormat) {
        return render(label, unit, bands, series, xMax, yFormat, List.of(), List.of());
    }

    /**
     * As above, with expectation thresholds drawn across their phases and the {@code blocked} bands hatched red and
     * labelled "nothing measured" (a blocked phase is a failure to see, not blank space).
     */
    static String render(String label, String unit, List<PhaseBand> bands, List<Series> series, double xMax,
                         DoubleFunction<String> yFormat, List<Threshold> thresholds, List<PhaseBand> blocked) {
        double yMax = 0;
        for (Threshold t : thresholds) {
            if (Double.isFinite(t.value())) {
                yMax = Math.max(yMax, t.value());
            }
        }
        boolean any = false;
        for (Series s : series) {
            for (double y : s.ys()) {
                if (Double.isFinite(y)) {
                    yMax = Math.max(yMax, y);
                    any = true;
                }
            }
        }
        double yStep = niceStep(yMax > 0 ? yMax * 1.08 : 1, 5);
        double yTop = Math.max(yStep, Math.ceil(yMax * 1.08 / yStep) * yStep);
        double xEnd = xMax > 0 ? xMax : 1;
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder b = new StringBuilder(8192);
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" aria-label=\"%s\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT, Html.escape(label)));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#ffffff\" "
                + "stroke=\"#ced4da\"/>%n", LEFT, TOP, plotW, plotH));
        for (int i = 0; i < bands.size(); i++) {
            PhaseBand band = bands.get(i);
            double x0 = LEFT + plotW * clamp(band.startSeconds() / xEnd);
            double x1 = LEFT + plotW * clamp(band.endSeconds() / xEnd);
            b.append(String.format(Locale.ROOT, "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                    + "height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>%n", x0, TOP, Math.max(0, x1 - x0), plotH,
                    i % 2 == 0 ? ReportColors.BAND_EVEN : ReportColors.BAND_ODD, Html.escape(band.name())));
            if (i > 0) {
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" "
                        + "stroke=\"#adb5bd\" stroke-dasharray=\"4 3\"/>%n", x0, TOP, x0, TOP + plotH));
            }
            String name = Html.fit(band.name(), x1 - x0 - 8, Html.BAND_LABEL_CHAR_PX);
            if (!name.isEmpty()) {
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
                        + "class=\"band-label\">%s</text>%n", (x0 + x1) / 2, TOP + 16, Html.escape(name)));
            }
        }
        if (!blocked.isEmpty()) {
            b.append("<defs><pattern id=\"" + hatchId(label) + "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
                    + "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#fff5f5\"/>"
                    + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#ffc9c9\" stroke-width=\"3\"/>"
                    + "</pattern></defs>\n");
        }
        for (PhaseBand band : blocked) {
            double x0 = LEFT + plotW * clamp(band.startSeconds() / xEnd);
            double x1 = LEFT + plotW * clamp(band.endSeconds() / xEnd);
            b.append(String.format(Locale.ROOT, "<rect class=\"blocked\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                    + "height=\"%.1f\" fill=\"url(#%s)\"><title>%s: nothing measured</title></rect>%n", x0,
                    TOP + 22, Math.max(0, x1 - x0), plotH - 22, hatchId(label), Html.escape(band.name())));
            String text = Html.fit("nothing measured", x1 - x0 - 8, Html.BAND_LABEL_CHAR_PX);
            if (!text.isEmpty()) {
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                        + "class=\"blocked-label\" fill=\"%s\">%s</text>%n", (x0 + x1) / 2, TOP + plotH / 2 + 10,
                        BLOCKED, text));
            }
        }
        long yTicks = Math.round(yTop / yStep);
        for (long k = 0; k <= yTicks; k++) {
            double y = k * yStep;
            double py = TOP + plotH - plotH * (y / yTop);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#dee2e6\" stroke-width=\"1\"/>%n", LEFT, py, LEFT + plotW, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s"
                    + "</text>%n", LEFT - 6, py + 4, Html.escape(yFormat.apply(y))));
        }
        double xStep = niceStep(xEnd, 8);
        for (long k = 0; k * xStep <= xEnd * (1 + 1e-9); k++) {
            double x = k * xStep;
            double px = LEFT + plotW * (x / xEnd);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#868e96\"/>%n", px, TOP + plotH, px, TOP + plotH + 4));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">"
                    + "%s s</text>%n", px, TOP + plotH + 18, trim(x)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"unit\">%s</text>%n", LEFT - 6,
                TOP - 10, Html.escape(unit)));
        double legendX = LEFT + plotW;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            double textWidth = s.label().length() * 7.2;
            legendX -= textWidth + 34;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"4\"/>%n", legendX, TOP - 14, legendX + 22, TOP - 14, s.color()));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"legend\">%s</text>%n",
                    legendX + 28, TOP - 10, Html.escape(s.label())));
        }
        for (Series s : series) {
            path(b, s, xEnd, yTop, plotW, plotH);
        }
        for (Threshold t : thresholds) {
            if (!Double.isFinite(t.value())) {
                continue;
            }
            double x0 = LEFT + plotW * clamp(t.startSeconds() / xEnd);
            double x1 = LEFT + plotW * clamp(t.endSeconds() / xEnd);
            double py = TOP + plotH - plotH * clamp(t.value() / yTop);
            String color = t.held() ? "#2b8a3e" : BLOCKED;
            b.append(String.format(Locale.ROOT, "<line class=\"threshold\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                    + "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>%s</title>"
                    + "</line>%n", x0 + 2, py, x1 - 2, py, color, Html.escape(t.label())));
        }
        if (!any && blocked.isEmpty()) {
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                    + "class=\"empty\">not measured</text>%n", LEFT + plotW / 2, TOP + plotH / 2));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static void path(StringBuilder b, Series s, double xEnd, double yTop, double plotW, double plotH) {
        StringBuilder d = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        int run = 0;
        double lastX = 0;
        double lastY = 0;
        int n = Math.min(s.xs().length, s.ys().length);
        for (int i = 0; i <= n; i++) {
            boolean point = i < n && Double.isFinite(s.ys()[i]) && Double.isFinite(s.xs()[i]);
            if (!point) {
                if (run == 1) {
                    // A lone point between gaps has no line to show it; draw it as a dot.
                    dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                            lastX, lastY, s.color()));
                }
                run = 0;
                continue;
            }
            lastX = LEFT + plotW * clamp(s.xs()[i] / xEnd);
            lastY = TOP + plotH - plotH * clamp(s.ys()[i] / yTop);
            d.append(run == 0 ? 'M' : 'L').append(String.format(Locale.ROOT, "%.1f %.1f ", lastX, lastY));
            run++;
        }
        if (d.length() > 0) {
            b.append(String.format(Locale.ROOT, "<path class=\"series\" d=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\"><title>%s</title>"
                    + "</path>%n", d.toString().strip(), s.color(), Html.escape(s.label())));
        }
        b.append(dots);
    }

    /** One pattern id per chart: ids are page-wide, and a page has several charts. */
    private static String hatchId(String label) {
        return "blocked-hatch-" + Integer.toHexString(label.hashCode());
    }

    /** 1, 2 or 5 times a power of ten, so that about {@code ticks} steps cover {@code range}. */
    static double niceStep(double range, int ticks) {
        double raw = range / ticks;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double fraction = raw / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }

    static String trim(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
