package dev.censorsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.censorsim.report.SampleReports;
import dev.censorsim.report.ScenarioReport;
import dev.censorsim.scenario.Scenario;
import dev.censorsim.scenario.ScenarioRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ScenarioCommandTest {

    private static final String DEFAULT = Path.of("..", "scenarios", "whatsapp-2025-26.yaml").toString();
    /** The three-phase copy the sample reports are shaped for, so a fake run's figures fit its expectations. */
    private static final String SAMPLE = Path.of("..", "simulator-core", "src", "test", "resources", "scenarios",
            "whatsapp-2025-26.yaml").toString();
    private static final String BROKEN = Path.of("..", "simulator-core", "src", "test", "resources", "scenarios",
            "broken-expectation.yaml").toString();

    @TempDir
    Path dir;

    /** Runs {@code censorsim scenario run ...} in-process with {@code runner} in place of the real one. */
    private static CliRun run(ScenarioRunner runner, String... args) {
        CommandLine cli = Main.commandLine();
        ScenarioRunCommand command = cli.getSubcommands().get("scenario").getSubcommands().get("run").getCommand();
        command.runner = runner;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("scenario", "run"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(new String[0]));
        return new CliRun(code, out.toString(), err.toString());
    }

    @Test
    void validateShouldAcceptEveryShippedScenario() throws Exception {
        List<String> args = new ArrayList<>(List.of("scenario", "validate"));
        try (var files = Files.list(Path.of("..", "scenarios"))) {
            files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(f -> args.add(f.toString()));
        }

        CliRun r = CliRun.of(args.toArray(new String[0]));

        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("ok " + DEFAULT + ": scenario whatsapp-2025-26, 4 phases (55s at time-scale 1), "
                + "18 expectations, policies open, calls-blocked, throttled, blocked");
        assertThat(r.out().lines().count()).isEqualTo(args.size() - 2);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void validateShouldPrintTheFileLineErrorAndExit2() {
        CliRun r = CliRun.of("scenario", "validate", DEFAULT, BROKEN, "no-such.yaml");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.out()).startsWith("ok " + DEFAULT);
        assertThat(r.err()).contains("censorsim: " + BROKEN + ":24:9: unknown metric 'media.througput'; did you mean "
                + "'media.throughput'?", "censorsim: no-such.yaml: no such scenario file",
                "censorsim: 2 of 3 scenario files invalid");
    }

    @Test
    void validateShouldRefuseAnExpectationThatIsNeverMeasuredWithExit2() throws Exception {
        Path file = dir.resolve("unmeasured.yaml");
        Files.writeString(file, String.join("\n", "scenario: unmeasured", "messenger:",
                "  names: { chat: c.test, media: m.test }", "  control: ctl.test",
                "  workload: { chat: {}, media: {} }", "policies: { open: {} }", "timeline:", "  - phase: a",
                "    duration: 5s", "    policy: open", "    expect:", "      - vpn.ok_ratio >= 0.9", ""));

        CliRun r = CliRun.of("scenario", "validate", file.toString());

        // It passed validate, ran the whole timeline, then failed as "not measured" with exit 1.
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("censorsim: " + file + ":12:9: expectation on vpn.ok_ratio, but no phase uses "
                + "a VPN; expected 'vpn' under messenger.strategies or in a phase, or another metric");
    }

    @Test
    void validateWithoutFilesShouldBeAUsageError() {
        CliRun r = CliRun.of("scenario", "validate");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("FILE");
    }

    @Test
    void runShouldValidateBeforeRunning() {
        List<Scenario> ran = new ArrayList<>();
        CliRun r = run((s, p) -> {
            ran.add(s);
            return SampleReports.run(s, 10e6);
        }, SAMPLE, BROKEN);

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(ran).as("nothing runs when any file is bad").isEmpty();
        assertThat(r.err()).contains(BROKEN + ":24:9:");
    }

    @Test
    void passingRunShouldWriteTheReportsAndExit0() throws Exception {
        List<Double> scales = new ArrayList<>();
        CliRun r = run((s, p) -> {
            scales.add(s.timeScale());
            return SampleReports.run(s, 10e6);
        }, SAMPLE, "--report-dir", dir.toString(), "--time-scale", "0.1");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(scales).containsExactly(0.1);
        Path reports = dir.resolve("whatsapp-2025-26");
        assertThat(reports.resolve("report.json")).isRegularFile();
        assertThat(reports.resolve("junit.xml")).isRegularFile();
        assertThat(reports.resolve("report.html")).isRegularFile();
        JsonNode json = new ObjectMapper().readTree(reports.resolve("report.json").toFile());
        assertThat(json.get("time_scale").asDouble()).isEqualTo(0.1);
        assertThat(r.out()).contains("censorsim scenario whatsapp-2025-26: 3 phases, 4s at time-scale 0.1",
                "censorsim scenario whatsapp-2025-26: PASSED, 11 of 11 expectations held",
                "reports: " + reports.resolve("report.html"));
    }

    @Test
    void failedExpectationShouldExit1AndNameIt() {
        CliRun r = run((s, p) -> SampleReports.run(s, 15e6), SAMPLE, "--report-dir", dir.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.EXPECTATIONS_FAILED);
        assertThat(r.out()).contains("[FAIL] throttled: media.throughput <= 0.30 * baseline.media.throughput: "
                + "measured 15.00 Mbit/s", "FAILED, 10 of 11 expectations held");
        assertThat(dir.resolve("whatsapp-2025-26").resolve("junit.xml")).isRegularFile();
    }

    @Test
    void progressShouldBePrintedPerPhase() {
        CliRun r = run((s, p) -> {
            ScenarioReport report = SampleReports.run(s, 10e6);
            for (int i = 0; i < s.phases().size(); i++) {
                p.phaseStarted(i, s.phases().get(i), s.phases().get(i).scaledDurationNanos(s.timeScale()));
                p.phaseFinished(i, report.phases().get(i));
            }
            return report;
        }, SAMPLE, "--report-dir", dir.toString());

        assertThat(r.out()).contains("  phase 1 baseline: policy open for 10s", "  phase 1 baseline: 3 of 3 "
                + "expectations held", "  phase 3 blocked: policy blocked for 10s");
    }

    @Test
    void runnerFailureShouldExit3WithOneLine() {
        CliRun r = run((s, p) -> {
            throw new java.net.BindException("Address already in use");
        }, DEFAULT, "--report-dir", dir.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(r.err()).startsWith("censorsim: whatsapp-2025-26: run failed: java.net.BindException: Address "
                + "already in use");
    }

    @Test
    void anErrorInTheRunnerShouldExit3WithOneLineNot1() {
        // -Dcensorsim.transport=bogus: the transport's class fails to load. Uncaught, the JVM exited 1, which a CI
        // job reads as "an expectation failed".
        CliRun r = run((s, p) -> {
            throw new ExceptionInInitializerError("no such transport");
        }, DEFAULT, "--report-dir", dir.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(r.err()).startsWith("censorsim: whatsapp-2025-26: run failed: java.lang.ExceptionInInitializerError:"
                + " no such transport");
    }

    @Test
    void timeScaleOutOfRangeShouldBeBadInput() {
        CliRun r = run((s, p) -> SampleReports.run(s, 10e6), DEFAULT, "--time-scale", "2");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("--time-scale must be in (0, 1], got 2.0");
    }

    @Test
    void sameScenarioTwiceShouldBeRefused() {
        CliRun r = run((s, p) -> SampleReports.run(s, 10e6), DEFAULT, DEFAULT);

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("their reports would overwrite each other");
    }
}
