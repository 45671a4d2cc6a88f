package dev.censorsim.scenario;

import dev.censorsim.metrics.Metric;

import java.util.Map;

/** The right-hand side of an expectation: a fixed value, or a factor of what an earlier phase measured. */
public sealed interface Threshold permits Threshold.Value, Threshold.Relative {

    /**
     * The threshold in the compared metric's unit, or {@code NaN} when it depends on a figure the earlier phase did
     * not measure.
     *
     * @param earlierPhases the metrics of the phases run before, by phase name
     */
    double resolve(Map<String, Map<String, Double>> earlierPhases);

    /** How the threshold reads in a report, e.g. {@code 30.00 Mbit/s} or {@code 0.25 * baseline.media.throughput}. */
    String describe(Metric metric);

    /** A fixed value in the metric's unit (written with or without a unit in the file). */
    record Value(double value) implements Threshold {

        public Value {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("threshold must be finite, got " + value);
            }
        }

        @Override
        public double resolve(Map<String, Map<String, Double>> earlierPhases) {
            return value;
        }

        @Override
        public String describe(Metric metric) {
            return metric.format(value);
        }
    }

    /**
     * {@code factor * phase.metric}: relative to an earlier phase, the way censorship is reported ("slowed by
     * 70-80%").
     */
    record Relative(double factor, String phase, Metric metric) implements Threshold {

        public Relative {
            if (!Double.isFinite(factor) || factor < 0) {
                throw new IllegalArgumentException("factor must be finite and not negative, got " + factor);
            }
        }

        @Override
        public double resolve(Map<String, Map<String, Double>> earlierPhases) {
            Map<String, Double> metrics = earlierPhases.get(phase);
            Double base = metrics == null ? null : metrics.get(metric.name());
            return base == null ? Double.NaN : factor * base;
        }

        @Override
        public String describe(Metric compared) {
            return (factor == 1 ? "" : trim(factor) + " * ") + phase + "." + metric.name();
        }

        private static String trim(double factor) {
            String s = Double.toString(factor);
            return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
        }
    }
}
