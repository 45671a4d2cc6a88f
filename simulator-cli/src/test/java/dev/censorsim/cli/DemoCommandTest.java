package dev.censorsim.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first command, run in-process: the whole 2025–26 timeline over real loopback sockets. */
class DemoCommandTest {

    @Test
    void demoShouldPassEveryExpectationAndShowEachPhase() {
        CliRun run = CliRun.of("demo", "--downloads", "2", "--size", "2000000");

        assertThat(run.exitCode()).as("stdout:%n%s%nstderr:%n%s", run.out(), run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out())
                .contains("phase baseline")
                .contains("phase throttled")
                .contains("phase blocked")
                .contains("[PASS] throttled")
                .contains("[PASS] blocked")
                .doesNotContain("[FAIL]")
                .contains("censorsim demo: PASSED");
    }

    @Test
    void invalidSizeShouldExitTwo() {
        CliRun run = CliRun.of("demo", "--size", "0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("downloadBytes must be within");
    }
}
