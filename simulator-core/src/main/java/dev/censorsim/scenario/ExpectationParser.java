package dev.censorsim.scenario;

import dev.censorsim.metrics.Metric;
import dev.censorsim.units.DataRate;
import dev.censorsim.units.DataSize;
import dev.censorsim.units.Durations;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses one expectation. The grammar, with optional spaces between tokens:
 * <pre>
 *   expectation := metric op rhs
 *   op          := "&gt;=" | "&lt;=" | "&gt;" | "&lt;" | "==" | "!="
 *   rhs         := number [unit] | [number "*"] phase "." metric
 * </pre>
 * A number without a unit is in the metric's own unit (bit/s, ms, s, a ratio or a count). Units follow the metric:
 * rates for throughput ({@code 30mbit}), durations for latencies ({@code 200ms}, {@code 1.5s}), {@code %} for ratios,
 * sizes for byte counts. A phase reference must name an earlier phase, since only those have been measured when the
 * expectation is checked.
 *
 * <p>Errors carry the offset in the expression where the parser was, so the scenario loader can point at the column
 * of the file.
 */
final class ExpectationParser {

    /** A parse failure at {@code offset} (0-based) into the expression. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int offset;

        Failure(int offset, String detail) {
            super(detail, null, false, false);
            this.offset = offset;
        }
    }

    private static final String OPERATORS = ">=, <=, >, <, ==, !=";

    private final String text;
    private final String phase;
    private final List<String> timeline;
    private int pos;

    private ExpectationParser(String text, String phase, List<String> timeline) {
        this.text = text;
        this.phase = phase;
        this.timeline = timeline;
    }

    /**
     * Parses {@code text}, an expectation of phase {@code phase}.
     *
     * @param timeline every phase name in timeline order, so a reference can be told unknown, later or earlier
     */
    static Expectation parse(String text, String phase, List<String> timeline) throws Failure {
        return new ExpectationParser(text, phase, timeline).expectation();
    }

    private Expectation expectation() throws Failure {
        skipSpaces();
        if (pos == text.length()) {
            throw new Failure(0, "expected an expectation such as 'media.throughput >= 30mbit', got nothing");
        }
        int metricAt = pos;
        String name = name();
        if (name.isEmpty()) {
            throw new Failure(metricAt, "expected a metric name such as chat.delivered_ratio, got '" + rest() + "'");
        }
        Metric metric = metric(name, metricAt);
        skipSpaces();
        Comparison comparison = Comparison.at(text, pos);
        if (comparison == null) {
            throw new Failure(pos, "expected a comparison (" + OPERATORS + ") after '" + name + "', got "
                    + (pos == text.length() ? "nothing" : "'" + rest() + "'"));
        }
        pos += comparison.symbol().length();
        skipSpaces();
        Threshold threshold = rhs(metric, comparison);
        skipSpaces();
        if (pos < text.length()) {
            throw new Failure(pos, "unexpected '" + rest() + "' after the threshold; expected the end of the "
                    + "expectation");
        }
        return new Expectation(text.strip(), metric, comparison, threshold);
    }

    private Threshold rhs(Metric metric, Comparison comparison) throws Failure {
        int at = pos;
        if (pos < text.length() && isNameStart(text.charAt(pos))) {
            return reference(metric, 1.0);
        }
        String number = number();
        if (number.isEmpty()) {
            throw new Failure(at, "expected a number, 'phase.metric' or 'factor * phase.metric' after '"
                    + comparison.symbol() + "', got " + (pos == text.length() ? "nothing" : "'" + rest() + "'"));
        }
        skipSpaces();
        if (pos < text.length() && text.charAt(pos) == '*') {
            pos++;
            skipSpaces();
            if (pos == text.length() || !isNameStart(text.charAt(pos))) {
                throw new Failure(pos, "expected 'phase.metric' after '*', got "
                        + (pos == text.length() ? "nothing" : "'" + rest() + "'"));
            }
            return reference(metric, Double.parseDouble(number));
        }
        int unitAt = pos;
        String unit = unit();
        String written = text.substring(at, pos);
        double value;
        try {
            value = value(metric, number, unit, written);
        } catch (IllegalArgumentException e) {
            throw new Failure(unit.isEmpty() ? at : unitAt, e.getMessage());
        }
        // Out of range, the expectation holds always or never: most likely 99 meant 99%.
        if (isShare(metric) && value > 1) {
            throw new Failure(at, metric.name() + " is a ratio from 0 to 1; expected a number such as 0.95 or a "
                    + "percentage such as 95%, got '" + written + "'");
        }
        if (metric.unit() == Metric.Unit.SCORE && (value < MIN_SCORE || value > MAX_SCORE)) {
            throw new Failure(at, metric.name() + " is a score from 1 to 4.5; expected a number in that range such "
                    + "as 3.5, got '" + written + "'");
        }
        return new Threshold.Value(value);
    }

    /** The range of a mean opinion score by the E-model ({@link Metric.Unit#SCORE}). */
    private static final double MIN_SCORE = 1;
    private static final double MAX_SCORE = 4.5;

    /**
     * Whether {@code metric} is a share of a whole, from 0 to 1: every ratio but {@code vpn.overhead}, which is wire
     * bytes per app byte and so above 1.
     */
    private static boolean isShare(Metric metric) {
        return metric.unit() == Metric.Unit.RATIO && !metric.name().endsWith("vpn.overhead");
    }

    private Threshold reference(Metric compared, double factor) throws Failure {
        int at = pos;
        String reference = name();
        int dot = reference.indexOf('.');
        if (dot <= 0 || dot == reference.length() - 1) {
            throw new Failure(at, "expected 'phase.metric' such as baseline." + compared.name() + ", got '"
                    + reference + "'");
        }
        String phaseName = reference.substring(0, dot);
        int index = timeline.indexOf(phaseName);
        int self = timeline.indexOf(phase);
        if (index < 0) {
            throw new Failure(at, "unknown phase '" + phaseName + "'; " + earlierPhases(self));
        }
        if (index == self) {
            throw new Failure(at, "phase '" + phaseName + "' is the phase being checked; " + earlierPhases(self));
        }
        if (index > self) {
            throw new Failure(at, "phase '" + phaseName + "' comes later in the timeline, so it has not been "
                    + "measured yet; " + earlierPhases(self));
        }
        Metric base = metric(reference.substring(dot + 1), at + dot + 1);
        if (base.unit() != compared.unit()) {
            throw new Failure(at + dot + 1, "cannot compare " + compared.name() + " (" + unitName(compared)
                    + ") with " + base.name() + " (" + unitName(base) + "); expected a metric in the same unit");
        }
        return new Threshold.Relative(factor, phaseName, base);
    }

    private String earlierPhases(int self) {
        return self <= 0 ? "the first phase has no earlier phase to compare with"
                : "expected one of the earlier phases: " + String.join(", ", timeline.subList(0, self));
    }

    private static Metric metric(String name, int at) throws Failure {
        Metric metric = Metric.named(name).orElse(null);
        if (metric != null) {
            return metric;
        }
        String closest = closest(name, Metric.all());
        throw new Failure(at, "unknown metric '" + name + "'; " + (closest != null
                ? "did you mean '" + closest + "'?"
                : "expected one of " + String.join(", ", Metric.all().keySet())));
    }

    /** The known metric nearest to {@code name} by edit distance, if it is near enough to be a typo. */
    static String closest(String name, Map<String, Metric> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known.keySet()) {
            int d = editDistance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 3) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /** The value of {@code number unit} (written as {@code text}) in the metric's own unit. */
    private static double value(Metric metric, String number, String unit, String text) {
        if (unit.isEmpty()) {
            return new BigDecimal(number).doubleValue();
        }
        switch (metric.unit()) {
            case BITS_PER_SECOND:
                // In bits, not through whole bytes per second: 130.1kbit stays 130100, and 1bit is not refused.
                return DataRate.parseBitsPerSecond(text);
            case MILLISECONDS:
                return Durations.parseNanos(text) / 1e6;
            case SECONDS:
                return Durations.parseNanos(text) / 1e9;
            case RATIO:
                if (unit.equals("%")) {
                    return new BigDecimal(number).doubleValue() / 100;
                }
                throw new IllegalArgumentException(metric.name() + " is a ratio; expected a number such as 0.95 "
                        + "or a percentage such as 95%, got '" + text + "'");
            case SCORE:
                throw new IllegalArgumentException(metric.name() + " is a score from 1 to 4.5; expected a plain "
                        + "number such as 3.5, got '" + text + "'");
            case COUNT:
                if (metric.name().endsWith("bytes")) {
                    return DataSize.parseBytes(text);
                }
                throw new IllegalArgumentException(metric.name() + " is a count; expected a plain number, got '"
                        + text + "'");
            default:
                throw new AssertionError(metric.unit());
        }
    }

    private static String unitName(Metric metric) {
        String symbol = metric.unit().symbol();
        return symbol.isEmpty() ? metric.unit().name().toLowerCase(Locale.ROOT) : symbol;
    }

    private String name() {
        int start = pos;
        while (pos < text.length() && isNamePart(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private String number() {
        int start = pos;
        boolean dot = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '.' && !dot) {
                dot = true;
            } else if (c < '0' || c > '9') {
                break;
            }
            pos++;
        }
        String number = text.substring(start, pos);
        if (number.equals(".") || number.length() > 40) {
            pos = start;
            return "";
        }
        return number;
    }

    private String unit() {
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (!(Character.isLetter(c) || c == '/' || c == '%')) {
                break;
            }
            pos++;
        }
        return text.substring(start, pos);
    }

    private void skipSpaces() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private String rest() {
        String rest = text.substring(pos).strip();
        return rest.length() > 24 ? rest.substring(0, 24) + "..." : rest;
    }

    private static boolean isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }
}
