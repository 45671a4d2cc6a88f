package dev.censorsim.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the demo saw, and whether the censor behaved as the timeline says: the throttled phase must deliver 20–30% of
 * the baseline's throughput to the blocked name, the blocked phase must reset at least 95% of its connections, and
 * the control name must keep at least 80% of its baseline speed throughout.
 */
public final class DemoReport {

    static final double THROTTLED_MIN_RATIO = 0.20;
    static final double THROTTLED_MAX_RATIO = 0.30;
    static final double BLOCKED_MIN_RESET_RATIO = 0.95;
    static final double CONTROL_MIN_RATIO = 0.80;

    /** One phase's downloads for the blocked name and for the control name. */
    public record PhaseResult(DemoPhase phase, List<DownloadClient.Result> blocked, List<DownloadClient.Result> control) {

        public PhaseResult {
            blocked = List.copyOf(blocked);
            control = List.copyOf(control);
        }
    }

    /** One checked expectation: what was required, what was measured, and whether it held. */
    public record Check(String description, String measured, boolean passed) {
    }

    private final DemoOptions options;
    private final List<PhaseResult> phases;
    private final List<Check> checks;

    public DemoReport(DemoOptions options, List<PhaseResult> phases) {
        this.options = options;
        this.phases = List.copyOf(phases);
        this.checks = evaluate();
    }

    public List<PhaseResult> phases() {
        return phases;
    }

    public List<Check> checks() {
        return checks;
    }

    public boolean passed() {
        return checks.stream().allMatch(Check::passed);
    }

    /** Median throughput of the successful downloads, in bytes per second; 0 when none succeeded. */
    public static double medianThroughput(List<DownloadClient.Result> results) {
        double[] rates = results.stream()
                .filter(r -> r.outcome() == DownloadOutcome.OK)
                .mapToDouble(DownloadClient.Result::bytesPerSecond)
                .sorted().toArray();
        if (rates.length == 0) {
            return 0;
        }
        int mid = rates.length / 2;
        return rates.length % 2 == 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
    }

    public static double ratio(List<DownloadClient.Result> results, DownloadOutcome outcome) {
        return results.isEmpty() ? 0 : results.stream().filter(r -> r.outcome() == outcome).count()
                / (double) results.size();
    }

    private PhaseResult phase(String name) {
        return phases.stream().filter(p -> p.phase().name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("demo has no phase " + name));
    }

    private List<Check> evaluate() {
        List<Check> list = new ArrayList<>();
        PhaseResult baseline = phase("baseline");
        PhaseResult throttled = phase("throttled");
        PhaseResult blocked = phase("blocked");
        double base = medianThroughput(baseline.blocked());
        double slow = medianThroughput(throttled.blocked());
        double ratio = base == 0 ? 0 : slow / base;
        list.add(new Check(String.format(Locale.ROOT, "throttled: %s throughput within %.0f–%.0f%% of baseline",
                ProxyDemo.BLOCKED_NAME, THROTTLED_MIN_RATIO * 100, THROTTLED_MAX_RATIO * 100),
                String.format(Locale.ROOT, "%.1f%% (%s vs %s)", ratio * 100, rate(slow), rate(base)),
                ratio >= THROTTLED_MIN_RATIO && ratio <= THROTTLED_MAX_RATIO));
        double resets = ratio(blocked.blocked(), DownloadOutcome.RESET);
        list.add(new Check(String.format(Locale.ROOT, "blocked: at least %.0f%% of %s connections reset",
                BLOCKED_MIN_RESET_RATIO * 100, ProxyDemo.BLOCKED_NAME),
                String.format(Locale.ROOT, "%.0f%% reset", resets * 100), resets >= BLOCKED_MIN_RESET_RATIO));
        double controlBase = medianThroughput(baseline.control());
        for (PhaseResult p : phases) {
            double ok = ratio(p.control(), DownloadOutcome.OK);
            double speed = controlBase == 0 ? 0 : medianThroughput(p.control()) / controlBase;
            list.add(new Check(String.format(Locale.ROOT, "%s: %s unaffected (all ok, >= %.0f%% of baseline speed)",
                    p.phase().name(), ProxyDemo.CONTROL_NAME, CONTROL_MIN_RATIO * 100),
                    String.format(Locale.ROOT, "%.0f%% ok, %.0f%% speed", ok * 100, speed * 100),
                    ok == 1.0 && speed >= CONTROL_MIN_RATIO));
        }
        return List.copyOf(list);
    }

    /** Prints what was run, what was seen, and the verdict. */
    public void print(PrintWriter out) {
        out.println();
        out.printf("%-10s %-18s %5s %6s %6s %8s %12s %9s%n",
                "phase", "name", "tries", "ok", "reset", "timeout", "throughput", "vs base");
        double[] base = {medianThroughput(phase("baseline").blocked()), medianThroughput(phase("baseline").control())};
        for (PhaseResult p : phases) {
            row(out, p.phase().name(), ProxyDemo.BLOCKED_NAME, p.blocked(), base[0]);
            row(out, "", ProxyDemo.CONTROL_NAME, p.control(), base[1]);
        }
        out.println();
        for (Check c : checks) {
            out.printf("  [%s] %s: %s%n", c.passed() ? "PASS" : "FAIL", c.description(), c.measured());
        }
        out.println();
        long failed = checks.stream().filter(c -> !c.passed()).count();
        out.println(failed == 0
                ? "censorsim demo: PASSED, " + checks.size() + " of " + checks.size() + " expectations held"
                : "censorsim demo: FAILED, " + failed + " of " + checks.size() + " expectations did not hold");
    }

    private static void row(PrintWriter out, String phase, String name, List<DownloadClient.Result> results,
                            double base) {
        double median = medianThroughput(results);
        out.printf("%-10s %-18s %5d %6d %6d %8d %12s %9s%n", phase, name, results.size(),
                count(results, DownloadOutcome.OK), count(results, DownloadOutcome.RESET),
                count(results, DownloadOutcome.TIMEOUT), median == 0 ? "-" : rate(median),
                median == 0 || base == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", median / base * 100));
    }

    private static long count(List<DownloadClient.Result> results, DownloadOutcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    /** Bits per second, the way links are quoted. */
    static String rate(double bytesPerSecond) {
        double bits = bytesPerSecond * 8;
        return bits >= 1e6 ? String.format(Locale.ROOT, "%.1f Mbit/s", bits / 1e6)
                : String.format(Locale.ROOT, "%.0f kbit/s", bits / 1e3);
    }

    static String bytes(long n) {
        return n >= 1_000_000 ? String.format(Locale.ROOT, "%.1f MB", n / 1e6)
                : n >= 1_000 ? String.format(Locale.ROOT, "%.1f kB", n / 1e3) : n + " B";
    }

    static String describe(DownloadClient.Result r) {
        String time = String.format(Locale.ROOT, "%d ms", r.nanos() / 1_000_000);
        return switch (r.outcome()) {
            case OK -> rate(r.bytesPerSecond()) + " in " + time;
            case RESET -> "connection reset by the censor after " + time;
            case TIMEOUT -> "no data for " + time + " (" + bytes(r.bytes()) + " received)";
            case FAILED -> r.detail();
        };
    }

    @Override
    public String toString() {
        return "DemoReport" + Arrays.toString(checks.toArray());
    }
}
