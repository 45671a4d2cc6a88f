package dev.censorsim.scenario;

import dev.censorsim.metrics.TimeSample;
import dev.censorsim.report.PhaseReport;

/**
 * What a {@link ScenarioRunner} tells its caller while it runs, for progress lines on the console. Called from the
 * runner's thread; implementations must not block.
 */
public interface ProgressListener {

    /** Ignores everything. */
    ProgressListener NONE = new ProgressListener() {
    };

    /** A phase's policy is now in force, for {@code scaledDurationNanos}. */
    default void phaseStarted(int index, Phase phase, long scaledDurationNanos) {
    }

    /** A point of the run's time series (about one per second). */
    default void sample(TimeSample sample) {
    }

    /** A phase ended and its expectations were checked. */
    default void phaseFinished(int index, PhaseReport report) {
    }
}
