package dev.censorsim.scenario;

import dev.censorsim.report.ExpectationResult;
import dev.censorsim.metrics.Metric;

import java.util.Map;
import java.util.Objects;

/**
 * One checked statement about a phase, {@code metric op threshold}, e.g. {@code chat.delivered_ratio >= 0.99} or
 * {@code media.throughput <= 0.30 * baseline.media.throughput}. Parsed by {@link ExpectationParser}; thresholds are
 * held in the metric's unit (bit/s, ms, s, ratio, count) whatever unit the file wrote.
 *
 * @param expression the text as written, for reports
 * @param metric     the measured metric (left-hand side)
 * @param comparison the operator
 * @param threshold  the right-hand side
 */
public record Expectation(String expression, Metric metric, Comparison comparison, Threshold threshold) {

    public Expectation {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(comparison, "comparison");
        Objects.requireNonNull(threshold, "threshold");
    }

    /**
     * Checks this expectation against what a phase measured.
     *
     * @param phase         the phase being checked
     * @param measured      its metrics by name; a metric absent from the map was not measured, which fails
     * @param earlierPhases the metrics of phases that ran before it, by phase name
     */
    public ExpectationResult evaluate(String phase, Map<String, Double> measured,
                                      Map<String, Map<String, Double>> earlierPhases) {
        Double value = measured.get(metric.name());
        double threshold = this.threshold.resolve(earlierPhases);
        String expected = "expected " + comparison.symbol() + " " + describeThreshold(threshold);
        if (value == null || value.isNaN()) {
            return new ExpectationResult(expression, phase, metric.name(), Double.NaN, threshold, false,
                    metric.name() + " not measured in phase " + phase + "; " + expected);
        }
        if (Double.isNaN(threshold)) {
            Threshold.Relative relative = (Threshold.Relative) this.threshold;
            return new ExpectationResult(expression, phase, metric.name(), value, Double.NaN, false,
                    "measured " + metric.format(value) + ", but " + relative.phase() + "." + relative.metric().name()
                            + " was not measured, so there is nothing to compare with");
        }
        boolean passed = comparison.test(value, threshold, metric.unit() == Metric.Unit.COUNT);
        return new ExpectationResult(expression, phase, metric.name(), value, threshold, passed,
                "measured " + shown(value, threshold) + ", " + expected);
    }

    /**
     * The measured value as reports print it, and, when that rounds onto the threshold's printed value, the exact
     * figure too: 98 of 99 messages is "0.990 (0.9898989899)" against "expected >= 0.990", not a failure that reads
     * like a pass.
     */
    private String shown(double value, double threshold) {
        String rounded = metric.format(value);
        if (value == threshold || !rounded.equals(metric.format(threshold))) {
            return rounded;
        }
        String exact = new java.math.BigDecimal(value).round(new java.math.MathContext(10)).stripTrailingZeros()
                .toPlainString();
        String symbol = metric.unit().symbol();
        return rounded + " (" + exact + (symbol.isEmpty() ? "" : " " + symbol) + ")";
    }

    private String describeThreshold(double resolved) {
        if (threshold instanceof Threshold.Relative relative) {
            String base = relative.describe(metric);
            return Double.isNaN(resolved) ? base : metric.format(resolved) + " (" + base + ")";
        }
        return threshold.describe(metric);
    }

    @Override
    public String toString() {
        return expression;
    }
}
