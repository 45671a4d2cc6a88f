package dev.censorsim.report;

import dev.censorsim.metrics.TimeSample;
import dev.censorsim.report.ExpectationResult;

import java.util.List;
import java.util.Objects;

/**
 * A scenario run: what was run ({@link RunInfo}), then what was seen per phase, the whole run's time series, and
 * warnings in plain words ("target rate not reached"). The writers in this package turn it into {@code report.json},
 * {@code junit.xml}, {@code report.html} and the console summary.
 *
 * @param run      what was run
 * @param phases   what each phase saw, in timeline order; shorter than the plan when the run stopped early
 * @param samples  the time series, about one sample per second
 * @param warnings     plain-language notes about the run itself
 * @param interruption {@code null} for a run that went to its end; otherwise what stopped it and where, e.g.
 *                     {@code "interrupted during phase block after 2.1 s of 10 s"}. The phase that was running is
 *                     the first one missing from {@code phases}.
 */
public record ScenarioReport(RunInfo run, List<PhaseReport> phases, List<TimeSample> samples, List<String> warnings,
                             String interruption) {

    public ScenarioReport {
        Objects.requireNonNull(run, "run");
        phases = List.copyOf(phases);
        samples = List.copyOf(samples);
        warnings = List.copyOf(warnings);
    }

    /** A run that went to the end of its timeline (or stopped early for a reason the warnings give). */
    public ScenarioReport(RunInfo run, List<PhaseReport> phases, List<TimeSample> samples, List<String> warnings) {
        this(run, phases, samples, warnings, null);
    }

    /** True when a signal (or an interrupt) stopped the run before its timeline ended. */
    public boolean interrupted() {
        return interruption != null;
    }

    /** Every expectation result, phase by phase. */
    public List<ExpectationResult> results() {
        return phases.stream().flatMap(p -> p.expectations().stream()).toList();
    }

    /** Expectations that held. */
    public long passedCount() {
        return results().stream().filter(ExpectationResult::passed).count();
    }

    /** Expectations that failed, including those of phases that never ran. */
    public long failedCount() {
        return expectedCount() - passedCount();
    }

    /** All expectations the scenario states, whether their phase ran or not. */
    public long expectedCount() {
        long planned = run.phases().stream().mapToLong(p -> p.expectations().size()).sum();
        return Math.max(planned, results().size());
    }

    /** True when every phase ran and every expectation held. */
    public boolean passed() {
        return !interrupted() && phases.size() >= run.phases().size() && failedCount() == 0;
    }

    /** Total run time of the phases that ran, in seconds. */
    public double realSeconds() {
        return phases.isEmpty() ? 0 : phases.get(phases.size() - 1).endSeconds() - phases.get(0).startSeconds();
    }
}
