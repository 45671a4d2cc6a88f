package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The long-running commands as real processes: a SIGTERM or SIGINT is how they are meant to stop, so a clean stop
 * exits 0 (it was 143 after SIGTERM), after printing what they print on the way out.
 */
class SignalExitProcessTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void socksShouldExitZeroOnSigterm(@TempDir Path dir) throws Exception {
        assertThat(runThenSignal(dir, "TERM", "socks", "--listen", "127.0.0.1:" + FdExhaustionProcessTest.freePort()))
                .isZero();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void proxyShouldExitZeroOnSigintAndStillPrintItsCounters(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, """
                rules:
                  - name: slow-everything
                    match: { protocol: [unknown] }
                    action: { type: delay, latency: 5ms }
                """);
        assertThat(runThenSignal(dir, "INT", "proxy", "--listen", "127.0.0.1:" + FdExhaustionProcessTest.freePort(),
                "--upstream", "127.0.0.1:9", "--policy", policy.toString())).isZero();
        assertThat(Files.readString(dir.resolve("out.log"))).contains("censorsim: rule counters");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dnsShouldExitZeroOnSigterm(@TempDir Path dir) throws Exception {
        Path zone = dir.resolve("zone.txt");
        Files.writeString(zone, """
                $ORIGIN example.
                $TTL 60
                @ IN SOA ns.example. admin.example. 1 60 60 60 60
                www IN A 192.0.2.1
                """);
        assertThat(runThenSignal(dir, "TERM", "dns", "--listen", "127.0.0.1:" + FdExhaustionProcessTest.freePort(),
                "--zone", zone.toString())).isZero();
    }

    /** Starts censorsim with {@code args}, waits for its stop hint, sends {@code SIG<signal>}, returns the exit code. */
    private static int runThenSignal(Path dir, String signal, String... args) throws Exception {
        Path log = dir.resolve("out.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            FdExhaustionProcessTest.awaitLine(log, "Ctrl-C", process);
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exits after SIG%s", signal).isTrue();
            return process.exitValue();
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
