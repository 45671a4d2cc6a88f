package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.Objects;

/**
 * The figures of one interval of a {@link MessengerClient} run, from the previous {@link MessengerClient#cut()} (or
 * the start) to this one.
 *
 * @param startSeconds   the interval's start, in seconds since the client started
 * @param endSeconds     the interval's end, in seconds since the client started
 * @param metrics        values keyed by {@link Metric#name()}, in the metric's unit; a ratio whose denominator is 0,
 *                       a percentile with no sample, and the figures of a disabled workload are absent
 * @param chatLatency    chat delivery latency of the interval in nanoseconds, from the intended send time to the ack
 * @param connectLatency time to a completed TLS handshake of the interval's successful attempts, in nanoseconds
 */
public record MessengerSnapshot(double startSeconds, double endSeconds, Map<String, Double> metrics,
                                Histogram chatLatency, Histogram connectLatency) {

    public MessengerSnapshot {
        metrics = Map.copyOf(metrics);
        Objects.requireNonNull(chatLatency, "chatLatency");
        Objects.requireNonNull(connectLatency, "connectLatency");
    }

    /** The value of {@code metric}, or {@code NaN} when it was not measured in this interval. */
    public double get(Metric metric) {
        Double value = metrics.get(metric.name());
        return value == null ? Double.NaN : value;
    }
}
