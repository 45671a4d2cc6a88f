package dev.censorsim.cli;

import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.units.Durations;
import dev.censorsim.report.PhaseReport;
import dev.censorsim.report.ReportFiles;
import dev.censorsim.report.ScenarioReport;
import dev.censorsim.report.SummaryTable;
import dev.censorsim.scenario.LocalScenarioRunner;
import dev.censorsim.scenario.Phase;
import dev.censorsim.scenario.ProgressListener;
import dev.censorsim.scenario.Scenario;
import dev.censorsim.scenario.ScenarioRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code censorsim scenario run FILE...}: runs each scenario end to end, writes {@code report.json},
 * {@code junit.xml} and {@code report.html} under {@code --report-dir/<scenario>/}, and prints the summary.
 */
@Command(name = "run",
        header = "Run scenario files end to end over loopback and write JSON, JUnit XML and HTML reports.",
        description = "Every file is validated, and every report directory proved writable, before the first one runs. "
                + "Exit code 0 when every expectation held, 1 when one failed, 2 for a bad file, option or report "
                + "directory, 3 when a run itself failed. SIGINT or SIGTERM stops the current phase, writes the "
                + "reports of what finished (the stopped phase is an error in junit.xml) and exits 130 or 143.",
        mixinStandardHelpOptions = true)
final class ScenarioRunCommand implements Callable<Integer> {

    /**
     * Set to {@code true} (the {@code censorsim} launcher does when its stdout is a terminal) for a status line
     * rewritten every second. The JVM cannot tell a terminal from a pipe portably: {@code System.console()} is
     * non-null for pipes on newer JDKs.
     */
    static final String LIVE_STATUS_PROPERTY = "censorsim.tty";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files (YAML).")
    List<Path> files;

    @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = "target/censorsim-report",
            description = "Reports go to DIR/<scenario>/ (default: ${DEFAULT-VALUE}).")
    Path reportDir;

    @Option(names = "--time-scale", paramLabel = "FACTOR",
            description = "Override the files' time-scale, in (0, 1]: 0.1 runs a 40 s timeline in 4 s.")
    Double timeScale;

    /** How long a signal waits for the reports of a stopped run before the JVM exits regardless. */
    private static final long SHUTDOWN_WAIT_SECONDS = 60;

    /** The runner; tests may set another, otherwise a {@link LocalScenarioRunner}. */
    ScenarioRunner runner;

    @Override
    public Integer call() {
        if (timeScale != null && !(timeScale > 0 && timeScale <= 1)) {
            throw new CliException(ExitCodes.BAD_INPUT, "--time-scale must be in (0, 1], got " + timeScale);
        }
        List<Scenario> scenarios = new ArrayList<>();
        Map<String, Path> names = new HashMap<>();
        for (Path file : files) {
            Scenario s = ScenarioFiles.load(file);
            Path first = names.putIfAbsent(s.name(), file);
            if (first != null) {
                throw new CliException(ExitCodes.BAD_INPUT, file + ": scenario name '" + s.name()
                        + "' is also used by " + first + "; their reports would overwrite each other");
            }
            scenarios.add(timeScale != null ? s.withTimeScale(timeScale) : s);
        }
        return runAll(scenarios, runner != null ? runner : new LocalScenarioRunner(), reportDir,
                spec.commandLine().getOut());
    }

    /**
     * Runs each scenario, writes its reports under {@code reportDir/<scenario>/} and prints its summary; returns
     * {@link ExitCodes#OK} when every expectation of every scenario held. Shared with {@code censorsim demo}.
     */
    static int runAll(List<Scenario> scenarios, ScenarioRunner runner, Path reportDir, PrintWriter out) {
        for (Scenario scenario : scenarios) {
            Path dir = reportDir(reportDir, scenario);
            try {
                ReportFiles.checkWritable(dir);
            } catch (IOException e) {
                throw new CliException(ExitCodes.BAD_INPUT, dir + ": cannot write reports there: " + e.getMessage());
            }
        }
        // SIGINT and SIGTERM run the JVM's shutdown hooks; this one interrupts the run, which then returns what
        // finished, and holds the JVM until the reports are written. The JVM then exits 128 + the signal number.
        Thread running = Thread.currentThread();
        CountDownLatch written = new CountDownLatch(1);
        AtomicBoolean signalled = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            signalled.set(true);
            running.interrupt();
            try {
                written.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "censorsim-scenario-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return runEach(scenarios, runner, reportDir, out, signalled);
        } finally {
            out.flush();
            written.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is running and has just been released
            }
        }
    }

    private static int runEach(List<Scenario> scenarios, ScenarioRunner runner, Path reportDir, PrintWriter out,
                               AtomicBoolean signalled) {
        boolean passed = true;
        for (Scenario scenario : scenarios) {
            if (signalled.get()) {
                return ExitCodes.INTERRUPTED; // the signal came between two scenarios; the next one does not start
            }
            out.printf(Locale.ROOT, "censorsim scenario %s: %d phases, %s at time-scale %s%n", scenario.name(),
                    scenario.phases().size(), Durations.format(scenario.scaledDuration().toNanos()),
                    ScenarioFiles.scale(scenario.timeScale()));
            out.flush();
            ScenarioReport report;
            try {
                report = runner.run(scenario, new ConsoleProgress(out, Boolean.getBoolean(LIVE_STATUS_PROPERTY)));
            } catch (CliException e) {
                throw e;
            } catch (InterruptedException e) {
                // Interrupted before a report could be made (while starting its servers): nothing finished.
                throw new CliException(ExitCodes.INTERRUPTED, scenario.name() + ": interrupted before the first "
                        + "phase; no report written", e);
            } catch (Exception | Error e) {
                // An Error too (a transport that cannot load, out of memory): uncaught, the JVM exited 1, which CI
                // reads as "an expectation failed", with a stack trace and no report.
                throw new CliException(ExitCodes.RUNTIME_FAILURE, scenario.name() + ": run failed: " + e, e);
            }
            Path dir = reportDir(reportDir, scenario);
            try {
                writeReports(report, reportDir, signalled);
            } catch (IOException e) {
                throw new CliException(ExitCodes.RUNTIME_FAILURE, dir + ": cannot write reports: " + e.getMessage(),
                        e);
            }
            out.println();
            SummaryTable.print(report, out);
            out.printf(Locale.ROOT, "reports: %s (%s, %s)%n%n", dir.resolve(ReportFiles.HTML), ReportFiles.JUNIT,
                    ReportFiles.JSON);
            out.flush();
            if (report.interrupted()) {
                out.printf(Locale.ROOT, "censorsim: %s %s; reports written for the phases that finished%n",
                        scenario.name(), report.interruption());
                out.flush();
                return ExitCodes.INTERRUPTED;
            }
            passed &= report.passed();
        }
        return passed ? ExitCodes.OK : ExitCodes.EXPECTATIONS_FAILED;
    }

    /** The report directory of one scenario, which must be a direct child of {@code reportDir}. */
    private static Path reportDir(Path reportDir, Scenario scenario) {
        try {
            return ReportFiles.scenarioDir(reportDir, scenario.name());
        } catch (IllegalArgumentException e) {
            // The parser refuses such names; a scenario built in Java is checked before anything is written.
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
    }

    /**
     * Writes the three files. A signal that lands while they are written interrupts this thread, and an interrupted
     * thread's file channel closes itself; the reports are what the signal is waiting for, so clear it and retry.
     */
    private static void writeReports(ScenarioReport report, Path reportDir, AtomicBoolean signalled)
            throws IOException {
        try {
            ReportFiles.writeAll(report, reportDir);
        } catch (ClosedByInterruptException e) {
            if (!signalled.get()) {
                throw e;
            }
            Thread.interrupted();
            ReportFiles.writeAll(report, reportDir);
        }
    }

    /**
     * One line per phase start and end, so a long run shows where it is; on a terminal, also a status line rewritten
     * every second with the latest throughput, latency and connection outcomes (CI logs get only the phase lines).
     */
    private static final class ConsoleProgress implements ProgressListener {
        private final PrintWriter out;
        private final boolean live;
        private boolean statusShown;

        ConsoleProgress(PrintWriter out, boolean live) {
            this.out = out;
            this.live = live;
        }

        @Override
        public void phaseStarted(int index, Phase phase, long scaledDurationNanos) {
            out.printf(Locale.ROOT, "  phase %d %s: policy %s for %s%n", index + 1, phase.name(), phase.policy(),
                    Durations.format(scaledDurationNanos));
            out.flush();
        }

        @Override
        public void sample(TimeSample sample) {
            if (!live) {
                return; // the summary and the HTML charts show the series; per-second lines would drown a CI log
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "\r    %6.1f s", sample.seconds()));
            status(line, sample, Metric.MEDIA_THROUGHPUT, "media");
            status(line, sample, Metric.CHAT_LATENCY_P99, "chat p99");
            status(line, sample, Metric.CHAT_DELIVERED, "acks");
            status(line, sample, Metric.CONNECT_OK, "connects ok");
            status(line, sample, Metric.CONNECT_RESET, "reset");
            status(line, sample, Metric.CONNECT_TIMEOUT, "timeout");
            out.print(line.append("\u001b[K"));
            out.flush();
            statusShown = true;
        }

        private static void status(StringBuilder line, TimeSample sample, Metric metric, String label) {
            double value = sample.get(metric);
            if (!Double.isNaN(value)) {
                line.append("  ").append(label).append(' ').append(metric.format(value));
            }
        }

        @Override
        public void phaseFinished(int index, PhaseReport report) {
            if (statusShown) {
                out.print("\r\u001b[K");
                statusShown = false;
            }
            out.printf(Locale.ROOT, "  phase %d %s: %d of %d expectations held%n", index + 1, report.name(),
                    report.passedCount(), report.expectations().size());
            out.flush();
        }
    }
}
