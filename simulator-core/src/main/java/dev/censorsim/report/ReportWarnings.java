package dev.censorsim.report;

import dev.censorsim.metrics.Metric;
import dev.censorsim.units.Durations;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The warnings every run gets, in plain words, derived from what was run and seen: a phase that overran (the machine
 * was too busy to trust timing figures), a phase whose workload did nothing, a shortened timeline, phases that never
 * ran. A runner adds these to its own.
 */
public final class ReportWarnings {

    /** A phase more than this much longer than planned is reported: timers firing late mean a starved machine. */
    static final double OVERRUN = 0.10;

    private ReportWarnings() {
    }

    /** The standard warnings for a run of {@code run} that saw {@code phases}. */
    public static List<String> of(RunInfo run, List<PhaseReport> phases) {
        List<String> warnings = new ArrayList<>();
        if (run.timeScale() < 1) {
            warnings.add(String.format(Locale.ROOT, "time scale %s: every phase ran for %s of its duration in the "
                    + "file; chat timeouts, churn and retry backoff were not scaled", trim(run.timeScale()),
                    trim(run.timeScale())));
        }
        if (phases.size() < run.phases().size()) {
            warnings.add("only " + phases.size() + " of " + run.phases().size() + " phases ran; the expectations of "
                    + "the others count as failed");
        }
        for (int i = 0; i < phases.size() && i < run.phases().size(); i++) {
            PhaseReport seen = phases.get(i);
            long planned = run.phases().get(i).scaledNanos();
            if (seen.realNanos() > planned * (1 + OVERRUN)) {
                warnings.add("phase " + seen.name() + " ran " + Durations.format(seen.realNanos()) + " instead of "
                        + Durations.format(planned) + ": the machine was busy, so rates and latencies may be off");
            }
            if (!ranWorkload(seen)) {
                warnings.add("phase " + seen.name() + " made no connection attempts and decided no message, call "
                        + "or lookup: the workload did not run, so its figures say nothing about the policy");
            }
        }
        return List.copyOf(warnings);
    }

    /**
     * Whether anything the policy could act on happened: a connection attempt, or a chat message, call or DNS lookup
     * whose fate was decided. A long-lived chat connection makes no attempts in later phases, yet its messages are
     * exactly what those phases measure.
     */
    private static boolean ranWorkload(PhaseReport phase) {
        for (Metric activity : List.of(Metric.CONNECT_ATTEMPTS, Metric.CHAT_DELIVERED, Metric.CHAT_FAILED,
                Metric.CHAT_TIMED_OUT, Metric.CALL_ATTEMPTS, Metric.CALL_PACKETS_SENT, Metric.DNS_LOOKUPS)) {
            if (phase.metric(activity.name()) > 0) {
                return true;
            }
        }
        return false;
    }

    private static String trim(double v) {
        return SvgLineChart.trim(Math.round(v * 1000) / 1000.0);
    }
}
