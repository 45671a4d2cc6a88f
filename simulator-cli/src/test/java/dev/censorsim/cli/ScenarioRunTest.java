package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim scenario run} and {@code censorsim demo} with the real runner, in-process, over loopback: every
 * shipped scenario (scaled) must pass, a scenario whose expectation cannot hold must exit 1, a malformed one 2.
 */
class ScenarioRunTest {

    /** Half speed: the shortest shipped phase still runs 5 s, enough for several reconnects and transfers. */
    private static final String CI_TIME_SCALE = "0.5";

    @TempDir
    Path reports;

    static Stream<Path> shippedScenarios() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "scenarios"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shippedScenarios")
    void everyShippedScenarioShouldPassScaled(Path scenario) {
        CliRun r = CliRun.of("scenario", "run", scenario.toString(), "--time-scale", CI_TIME_SCALE,
                "--report-dir", reports.toString());

        assertThat(r.exitCode()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("reports: ");
    }

    @Test
    void anExpectationThatCannotHoldShouldExit1WithTheMeasuredValueInJunitXml() throws IOException {
        Path file = Path.of("src", "test", "resources", "scenarios", "must-fail.yaml");

        CliRun r = CliRun.of("scenario", "run", file.toString(), "--report-dir", reports.toString());

        assertThat(r.exitCode()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err())
                .isEqualTo(ExitCodes.EXPECTATIONS_FAILED);
        assertThat(r.out()).contains("[FAIL] blocked: chat.delivered_ratio >= 0.99: measured 0.000");
        String junit = Files.readString(reports.resolve("must-fail").resolve("junit.xml"));
        assertThat(junit).contains("tests=\"3\"", "failures=\"1\"", "measured 0.000, expected &gt;= 0.990");
        assertThat(reports.resolve("must-fail").resolve("report.html")).isNotEmptyFile();
        assertThat(reports.resolve("must-fail").resolve("report.json")).isNotEmptyFile();
    }

    @Test
    void aMalformedScenarioShouldExit2WithFileAndLineBeforeAnythingRuns() throws IOException {
        Path bad = reports.resolve("bad.yaml");
        Files.writeString(bad, String.join("\n", List.of(
                "scenario: bad",
                "messenger:",
                "  names: { chat: g.whatsapp.net, media: mmg.whatsapp.net }",
                "  workload: { chat: { rate: 5/s } }",
                "policies: { open: {} }",
                "timeline:",
                "  - phase: baseline",
                "    duration: ten seconds",
                "    policy: open")));

        CliRun r = CliRun.of("scenario", "run", bad.toString(), "--report-dir", reports.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("censorsim: " + bad + ":8:15: ");
        assertThat(r.err().lines()).as("one line, no stack trace").hasSize(1);
        assertThat(reports.resolve("bad")).doesNotExist();
    }

    @Test
    void verboseOnANestedSubcommandShouldAddTheStackTrace() {
        CliRun r = CliRun.of("scenario", "run", "--verbose", "--report-dir", "/dev/null/cannot-write",
                Path.of("src", "test", "resources", "scenarios", "must-fail.yaml").toString());

        // The report directory is proved writable before the run: an unusable one is bad input, found at once.
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("censorsim: /dev/null/cannot-write/must-fail: cannot write reports")
                .contains("\tat ");
    }

    @Test
    void demoShouldRunTheDefaultScenarioAndSayWhereTheReportIs() {
        CliRun r = CliRun.of("demo", "--time-scale", CI_TIME_SCALE, "--report-dir", reports.toString());

        assertThat(r.exitCode()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("censorsim scenario whatsapp-2025-26: 4 phases",
                "phase 1 baseline", "phase 2 calls-blocked", "phase 3 throttled", "phase 4 blocked",
                "reports: " + reports.resolve("whatsapp-2025-26").resolve("report.html"));
        assertThat(reports.resolve("whatsapp-2025-26").resolve("junit.xml")).isNotEmptyFile();
    }
}
