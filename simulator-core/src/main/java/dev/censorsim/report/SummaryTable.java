package dev.censorsim.report;

import dev.censorsim.metrics.Metric;
import dev.censorsim.units.Durations;
import dev.censorsim.report.ExpectationResult;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * The console summary of a run: one row per phase with its duration and key figures, then every failed expectation
 * with what was measured, then one verdict line. Plain ASCII columns so it survives CI logs.
 */
public final class SummaryTable {

    private static final List<Metric> COLUMNS = List.of(Metric.CHAT_DELIVERED_RATIO, Metric.CHAT_LATENCY_P99,
            Metric.MEDIA_THROUGHPUT, Metric.CONNECT_OK, Metric.CONNECT_RESET, Metric.CONNECT_TIMEOUT);
    private static final List<String> HEADERS = List.of("delivered", "chat p99", "media", "ok", "reset", "timeout");
    /** Shown only when the run had calls. */
    private static final List<Metric> CALL_COLUMNS = List.of(Metric.CALL_SETUP_OK_RATIO, Metric.CALL_LOSS,
            Metric.CALL_MOS);
    private static final List<String> CALL_HEADERS = List.of("calls ok", "loss", "MOS");
    /** Shown only when the messenger tries QUIC first. */
    private static final List<Metric> QUIC_COLUMNS = List.of(Metric.QUIC_OK, Metric.QUIC_FALLBACK);
    private static final List<String> QUIC_HEADERS = List.of("quic ok", "quic fb");

    private SummaryTable() {
    }

    /** Prints the summary of {@code report} to {@code out}. */
    public static void print(ScenarioReport report, PrintWriter out) {
        RunInfo run = report.run();
        List<Metric> columns = new java.util.ArrayList<>(COLUMNS);
        List<String> headers = new java.util.ArrayList<>(HEADERS);
        if (run.messenger() != null && run.messenger().calls() != null) {
            columns.addAll(CALL_COLUMNS);
            headers.addAll(CALL_HEADERS);
        }
        if (run.messenger() != null && run.messenger().strategies().quic() != null) {
            columns.addAll(QUIC_COLUMNS);
            headers.addAll(QUIC_HEADERS);
        }
        int nameWidth = Math.max(5, run.phases().stream().mapToInt(p -> p.name().length()).max().orElse(5));
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + nameWidth + "s %9s", "phase",
                "duration"));
        for (int i = 0; i < columns.size(); i++) {
            header.append(String.format(Locale.ROOT, " %" + width(columns.get(i)) + "s", headers.get(i)));
        }
        header.append("  expectations");
        out.println(header);
        for (int i = 0; i < run.phases().size(); i++) {
            PlannedPhase planned = run.phases().get(i);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + nameWidth + "s", planned.name()));
            if (i >= report.phases().size()) {
                row.append(String.format(Locale.ROOT, " %9s  did not run", "-"));
                out.println(row);
                continue;
            }
            PhaseReport phase = report.phases().get(i);
            row.append(String.format(Locale.ROOT, " %9s", Durations.format(roundToMillis(phase.realNanos()))));
            for (Metric column : columns) {
                double v = phase.metric(column.name());
                row.append(String.format(Locale.ROOT, " %" + width(column) + "s",
                        Double.isNaN(v) ? "-" : column.format(v)));
            }
            long passed = phase.passedCount();
            int total = phase.expectations().size();
            row.append(total == 0 ? "  -" : String.format(Locale.ROOT, "  %d/%d passed", passed, total));
            out.println(row);
        }
        List<ExpectationResult> failed = report.results().stream().filter(r -> !r.passed()).toList();
        if (!failed.isEmpty()) {
            out.println();
            for (ExpectationResult r : failed) {
                out.println("  [FAIL] " + r.title() + ": " + r.message());
            }
        }
        for (String warning : report.warnings()) {
            out.println("  warning: " + warning);
        }
        out.println();
        out.printf(Locale.ROOT, "censorsim scenario %s: %s, %d of %d expectations held%n", run.scenario(),
                report.passed() ? "PASSED" : "FAILED", report.passedCount(), report.expectedCount());
        out.flush();
    }

    private static int width(Metric column) {
        return column.unit() == Metric.Unit.BITS_PER_SECOND ? 13 : 9;
    }

    private static long roundToMillis(long nanos) {
        return Math.round(nanos / 1e6) * 1_000_000L;
    }
}
