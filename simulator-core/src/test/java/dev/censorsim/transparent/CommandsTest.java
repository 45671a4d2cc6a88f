package dev.censorsim.transparent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandsTest {

    @Test
    void aToolShouldGetItsInputAndGiveItsOutputAndExitCode() throws Exception {
        Commands.Result result = Commands.tryRunWithInput("to stdin\n", "sh", "-c",
                "cat; echo to stderr >&2; exit 3");

        assertThat(result).isEqualTo(new Commands.Result(3, "to stdin\n", "to stderr\n"));
    }

    /**
     * A tool that hangs with its output open (getent on an unreachable LDAP server) and ignores SIGTERM: the bound
     * holds (the output used to be read to its end before the bounded wait began), and nothing is left running.
     */
    @Test
    void aHungToolShouldBeKilledAtTheTimeoutAndTheCallFailNamingIt(@TempDir Path dir) throws Exception {
        Path pids = dir.resolve("pids");
        String script = "trap '' TERM; sleep 30 & echo $$ $! > " + pids + "; wait";
        long start = System.nanoTime();

        assertThatThrownBy(() -> Commands.tryRunWithInput(null, Duration.ofMillis(300), "sh", "-c", script))
                .isInstanceOf(IOException.class)
                .hasMessage("'sh -c " + script + "' did not finish in 300 ms; killed");

        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(tookMillis).as("the timeout, then the grace before SIGKILL")
                .isBetween(300L, 300 + Commands.KILL_GRACE_MILLIS + 3_000);
        for (String pid : Files.readString(pids).strip().split(" ")) {
            ProcessHandle process = ProcessHandle.of(Long.parseLong(pid)).orElse(null);
            if (process != null) {
                process.onExit().get(5, TimeUnit.SECONDS); // SIGKILLed; its parent may not have reaped it yet
            }
        }
    }
}
