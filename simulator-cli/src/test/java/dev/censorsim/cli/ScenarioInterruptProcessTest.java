package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim scenario run} stopped by a real signal in a real process, as a CI timeout stops it: the finished
 * phase is reported, the stopped one is an error in junit.xml, and the exit code is the shell's for the signal.
 */
class ScenarioInterruptProcessTest {

    private static final String SCENARIO = """
            scenario: stopped
            messenger:
              names: { chat: g.whatsapp.net, media: mmg.whatsapp.net }
              workload:
                chat: { rate: 10/s, size: 128B, timeout: 1s }
            policies:
              open: {}
            timeline:
              - phase: first
                duration: 2s
                policy: open
                expect:
                  - chat.delivered_ratio >= 0.5
              - phase: long
                duration: 10m
                policy: open
                expect:
                  - chat.delivered_ratio >= 0.5
                  - chat.latency.p99 < 10s
              - phase: never
                duration: 5s
                policy: open
                expect:
                  - chat.delivered_ratio >= 0.5
            """;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "SIG{0} exits {1}")
    @CsvSource({"INT, 130", "TERM, 143"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void signalShouldStopThePhaseWriteReportsAndExitWithTheSignalsCode(String signal, int exitCode)
            throws Exception {
        Path scenario = Files.writeString(dir.resolve("stopped.yaml"), SCENARIO);
        Path reports = dir.resolve("reports");
        Process process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "scenario", "run", scenario.toString(), "--report-dir", reports.toString()))
                .redirectErrorStream(true)
                .start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith("  phase 2 long:")) {
                    break;
                }
            }
            assertThat(output).as("the second phase started").contains("phase 2 long:");

            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
            for (String line; (line = out.readLine()) != null; ) {
                output.append(line).append('\n');
            }
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits after SIG%s", signal).isTrue();
        } finally {
            process.destroyForcibly();
        }

        assertThat(process.exitValue()).as(output.toString()).isEqualTo(exitCode);
        assertThat(output).contains("censorsim: stopped interrupted during phase long after ");
        Path junit = reports.resolve("stopped").resolve("junit.xml");
        String xml = Files.readString(junit);
        assertThat(xml).contains("tests=\"4\"", "errors=\"2\"", "skipped=\"1\"")
                .contains("name=\"first: chat.delivered_ratio &gt;= 0.5\"")
                .containsPattern("<error message=\"interrupted during phase long after [^\"]+ of 600s\" "
                        + "type=\"interrupted\">")
                .contains("phase never did not run");
        assertThat(xml.split("<testcase", -1)[1]).as("the finished phase's case").doesNotContain("<failure", "<error");
        assertThat(Files.readString(reports.resolve("stopped").resolve("report.json")))
                .contains("\"interrupted\" : \"interrupted during phase long after");
        assertThat(reports.resolve("stopped").resolve("report.html")).isNotEmptyFile();
    }

    @Test
    void unwritableReportDirShouldExit2InOneLineBeforeTheRun() throws Exception {
        Path scenario = Files.writeString(dir.resolve("stopped.yaml"), SCENARIO);
        Path notADir = Files.writeString(dir.resolve("file"), "x");

        long start = System.nanoTime();
        CliRun r = CliRun.of("scenario", "run", scenario.toString(), "--report-dir", notADir.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).isEqualTo("censorsim: " + notADir.resolve("stopped")
                + ": cannot write reports there: Not a directory: " + notADir.resolve("stopped") + "\n");
        assertThat(r.out()).as("nothing ran").doesNotContain("phase 1");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
    }
}
