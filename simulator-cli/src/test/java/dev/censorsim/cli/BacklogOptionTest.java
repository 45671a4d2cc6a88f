package dev.censorsim.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BacklogOptionTest {

    @Test
    void backlogBelowOneShouldBeABadInputOnOneLine() {
        CliRun run = CliRun.of("socks", "--listen", "127.0.0.1:0", "--backlog", "0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).isEqualTo(1);
        assertThat(run.err()).contains("--backlog must be at least 1, was 0").doesNotContain("\tat ");
    }

    @Test
    void helpShouldSayTheKernelCapsTheBacklog() {
        CliRun run = CliRun.of("proxy", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--backlog").contains("somaxconn").contains("(default: 4096)");
    }

    @Test
    void messengerServerBacklogBelowOneShouldBeABadInputOnOneLine() {
        CliRun run = CliRun.of("messenger", "server", "--name", "g.whatsapp.net", "--backlog", "0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).isEqualTo(1);
        assertThat(run.err()).contains("--backlog must be at least 1, was 0").doesNotContain("\tat ");
    }

    @Test
    void messengerServerHelpShouldOfferTheProxysBacklogDefault() {
        CliRun run = CliRun.of("messenger", "server", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--backlog").contains("somaxconn").contains("(default: 4096)");
    }
}
