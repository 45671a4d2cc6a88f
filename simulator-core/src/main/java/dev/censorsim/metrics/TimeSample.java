package dev.censorsim.metrics;

import java.util.Map;
import java.util.Objects;

/**
 * One point of a run's time series, covering {@code [seconds - width, seconds)} of wall-clock time since the run
 * started. Reports draw throughput and latency over time from these, with the phases as shaded bands.
 *
 * @param seconds the end of the interval, in seconds since the run started
 * @param values  figures for the interval keyed by {@link Metric#name()}; a metric with no events in the interval
 *                (no completed transfer, no acknowledged message) is absent rather than 0
 */
public record TimeSample(double seconds, Map<String, Double> values) {

    public TimeSample {
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException("seconds must be >= 0, got " + seconds);
        }
        values = Map.copyOf(Objects.requireNonNull(values, "values"));
    }

    /** The value of {@code metric} in this interval, or {@code NaN} when it was not measured. */
    public double get(Metric metric) {
        Double v = values.get(metric.name());
        return v == null ? Double.NaN : v;
    }
}
