package dev.censorsim.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class IdleTimeoutOptionTest {

    @Test
    void helpShouldShowTheIdleTimeoutsWithTheirDefaults() {
        CliRun run = CliRun.of("socks", "--help");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("--idle-timeout=DURATION").contains("(default: 5m)")
                .contains("--pass-idle-timeout=DURATION").contains("(default: 0s)");
    }

    @Test
    void durationWithoutUnitShouldBeAUsageErrorOnOneLine() {
        CliRun run = CliRun.of("proxy", "--upstream", "127.0.0.1:9", "--idle-timeout", "300");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().findFirst().orElseThrow()).contains("--idle-timeout").contains("needs a unit");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void converterShouldReadThePolicyDurationSyntax() {
        FrontEndOptions.DurationConverter converter = new FrontEndOptions.DurationConverter();

        assertThat(converter.convert("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(converter.convert("0s")).isZero();
    }
}
