package dev.censorsim.cli;

import dev.censorsim.lab.LabOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code censorsim serve}'s bad input: one line, exit code 2, nothing left listening. */
class ServeCommandTest {

    @Test
    void malformedForwardShouldExitWithBadInput() {
        CliRun run = CliRun.of("serve", "--no-api", "--forward", "nonsense");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--forward 'nonsense': expected NAME=LISTEN,UPSTREAM");
    }

    @Test
    void forwardShouldParseTcpAndUdp() {
        LabOptions.Forward tcp = ServeCommand.parseForward("api=127.0.0.1:9443,127.0.0.1:443");
        LabOptions.Forward udp = ServeCommand.parseForward("voice=udp:127.0.0.1:3478,127.0.0.1:3479");

        assertThat(tcp.udp()).isFalse();
        assertThat(tcp.listen().getPort()).isEqualTo(9443);
        assertThat(tcp.upstream().getPort()).isEqualTo(443);
        assertThat(udp.udp()).isTrue();
        assertThat(udp.name()).isEqualTo("voice");
        assertThat(udp.listen().getPort()).isEqualTo(3478);
    }

    @Test
    void apiBeyondLoopbackWithoutTokenShouldExitWithBadInput() {
        CliRun run = CliRun.of("serve", "--socks", "127.0.0.1:0", "--api", "0.0.0.0:0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("needs a token");
    }

    @Test
    void watchWithoutPolicyShouldExitWithBadInput() {
        CliRun run = CliRun.of("serve", "--no-api", "--watch");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--watch needs --policy FILE");
    }

    @Test
    void brokenPolicyShouldExitWithFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("bad.yaml");
        Files.writeString(policy, "rules:\n  - name: x\n    match: { sni: [a] }\n    action: { type: nope }\n");

        CliRun run = CliRun.of("serve", "--no-api", "--policy", policy.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).containsPattern("bad\\.yaml:\\d+:\\d+: ");
    }

    @Test
    void unknownPhaseFileShouldExitWithBadInput(@TempDir Path dir) {
        CliRun run = CliRun.of("serve", "--no-api", "--phase", "block=" + dir.resolve("missing.yaml"));

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--phase block:").contains("no such policy file");
    }

    private static final String TIMELINE = """
            scenario: live-cli
            policies:
              open: { rules: [] }
              block:
                rules:
                  - name: example-reset
                    match: { target: [example.test] }
                    action: { type: reset }
            timeline:
              - phase: before
                duration: 300ms
                policy: open
              - phase: blocked
                duration: 300ms
                policy: block
            """;

    @Test
    void timelineShouldPrintEachPhaseAndWriteReports(@TempDir Path dir) throws Exception {
        Path timeline = dir.resolve("live.yaml");
        Files.writeString(timeline, TIMELINE);

        CliRun run = CliRun.of("serve", "--no-api", "--http-proxy", "127.0.0.1:0", "--timeline", timeline.toString(),
                "--exit-after-timeline", "--report-dir", dir.resolve("reports").toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("censorsim serve: phase 1/2 before: policy open (0 rules",
                "censorsim serve: phase 2/2 blocked: policy block (1 rules", "timeline done; reports: ");
        assertThat(dir.resolve("reports/live-cli/report.json")).exists();
        assertThat(Files.readString(dir.resolve("reports/live-cli/report.json"))).contains("example-reset",
                "censor.flows_ended");
    }

    @Test
    void timelineNameThatCannotNameTheReportDirectoryShouldBeRefusedBeforeItRuns(@TempDir Path dir)
            throws Exception {
        for (String name : new String[] {"\"..\"", "\"a/b\"", "\"a\\eb\""}) {
            Path timeline = dir.resolve("live.yaml");
            Files.writeString(timeline, TIMELINE.replace("scenario: live-cli", "scenario: " + name));

            // Before the fix the timeline ran, its reports were lost, and serve exited 0.
            CliRun run = CliRun.of("serve", "--no-api", "--http-proxy", "127.0.0.1:0", "--timeline",
                    timeline.toString(), "--exit-after-timeline", "--report-dir", dir.resolve("reports").toString());

            assertThat(run.exitCode()).as(name + ": " + run.err()).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(run.err()).as(name).contains("live.yaml:1:11: expected a scenario name of at most 128 "
                    + "characters without '/', '\\', ':', '..' or control characters (it names the report directory)");
            assertThat(run.out()).as(name).doesNotContain("phase 1/2");
        }
    }

    @Test
    void scenarioValidateShouldStillRequireAMessenger(@TempDir Path dir) throws Exception {
        Path timeline = dir.resolve("live.yaml");
        Files.writeString(timeline, TIMELINE);

        CliRun run = CliRun.of("scenario", "validate", timeline.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).containsPattern("live\\.yaml:\\d+:\\d+: .*messenger");
    }

    @Test
    void brokenTimelineShouldExitWithFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path timeline = dir.resolve("live.yaml");
        Files.writeString(timeline, TIMELINE.replace("policy: block", "policy: blok"));

        CliRun run = CliRun.of("serve", "--no-api", "--timeline", timeline.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).containsPattern("live\\.yaml:\\d+:\\d+: unknown policy 'blok'");
    }
}
