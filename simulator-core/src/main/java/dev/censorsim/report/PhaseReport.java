package dev.censorsim.report;

import dev.censorsim.report.ExpectationResult;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What was seen in one phase.
 *
 * @param name         the phase name
 * @param policy       the name of the policy that was in force
 * @param nominalNanos the duration the scenario gives, before the time scale
 * @param realNanos    how long the phase actually ran
 * @param startSeconds when it started, in seconds since the run started (the time axis of the charts)
 * @param metrics      its figures keyed by {@link dev.censorsim.metrics.Metric} name; unmeasured ones absent
 * @param expectations the results of its expectations, in file order
 * @param rules        per-rule counters of its policy, empty when not collected
 */
public record PhaseReport(String name, String policy, long nominalNanos, long realNanos, double startSeconds,
                          Map<String, Double> metrics, List<ExpectationResult> expectations, List<RuleCount> rules) {

    public PhaseReport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        if (realNanos < 0 || !(startSeconds >= 0)) {
            throw new IllegalArgumentException("phase " + name + ": negative duration or start");
        }
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        expectations = List.copyOf(expectations);
        rules = List.copyOf(rules);
    }

    /** When the phase ended, in seconds since the run started. */
    public double endSeconds() {
        return startSeconds + realNanos / 1e9;
    }

    /** The value of metric {@code name}, or {@code NaN} when it was not measured. */
    public double metric(String name) {
        Double v = metrics.get(name);
        return v == null ? Double.NaN : v;
    }

    /** Expectations of this phase that held. */
    public long passedCount() {
        return expectations.stream().filter(ExpectationResult::passed).count();
    }
}
