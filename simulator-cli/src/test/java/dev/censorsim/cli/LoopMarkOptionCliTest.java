package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

class LoopMarkOptionCliTest {

    @Test
    void proxyShouldTurnLoopMarkOffWithNoLoopMarkAndKeepItOnWithout() {
        assertThat(((ProxyCommand) parsed("proxy", "--upstream", "127.0.0.1:5432", "--no-loop-mark"))
                .frontEnd.loopMark.loopMark()).isFalse();
        assertThat(((ProxyCommand) parsed("proxy", "--upstream", "127.0.0.1:5432")).frontEnd.loopMark.loopMark())
                .isTrue();
        assertThat(((ProxyCommand) parsed("proxy", "--udp", "--upstream", "127.0.0.1:53", "--no-loop-mark"))
                .frontEnd.loopMark.loopMark()).isFalse();
    }

    @Test
    void socksShouldAcceptNoLoopMark() {
        assertThat(((SocksCommand) parsed("socks", "--no-loop-mark")).frontEnd.loopMark.loopMark()).isFalse();
    }

    @Test
    void serveShouldTurnLoopMarkOffWithNoLoopMarkAndKeepItOnWithout() {
        assertThat(((ServeCommand) parsed("serve", "--forward", "db=127.0.0.1:15432,127.0.0.1:5432",
                "--no-loop-mark")).loopMark.loopMark()).isFalse();
        assertThat(((ServeCommand) parsed("serve")).loopMark.loopMark()).isTrue();
    }

    @Test
    void runShouldAcceptNoLoopMarkForItsHostBackends() {
        assertThat(((RunCommand) parsed("run", "--host", "db.test", "--no-loop-mark", "--", "true")).loopMark
                .loopMark()).isFalse();
        assertThat(((RunCommand) parsed("run", "--host", "db.test", "--", "true")).loopMark.loopMark()).isTrue();
    }

    @Test
    void helpShouldSayWhereMarkedConnectionsComeFrom() {
        for (String command : new String[] {"proxy", "socks", "serve", "run"}) {
            CliRun run = CliRun.of(command, "--help");

            assertThat(run.exitCode()).as(command).isZero();
            assertThat(run.out()).as(command).contains("--no-loop-mark").contains("127.67.83.x");
        }
    }

    private static Object parsed(String... args) {
        CommandLine.ParseResult result = Main.commandLine().parseArgs(args);
        assertThat(result.hasSubcommand()).isTrue();
        return result.subcommand().commandSpec().userObject();
    }
}
