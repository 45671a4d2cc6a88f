package dev.censorsim.cli;

import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim run} on a real terminal (a pseudo-terminal from util-linux {@code script}): Ctrl-C typed while CMD
 * runs is CMD's, as at a shell prompt. The terminal sends SIGINT to the whole foreground process group, the JVM and
 * CMD alike; the JVM used to end the run too (exit 130, CMD sent SIGTERM). Needs root, iproute2, nftables and script.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunCommandTerminalTest {

    @Test
    void ctrlCOnATerminalShouldReachTheCommandAndNotEndTheRun() throws Exception {
        Interceptions.requireRootTools();
        Tools.require("script", "apt-get install bsdutils");
        // CMD traps SIGINT, says so, and exits 7 a second later; a run ended by the signal exits 130 instead.
        String cmd = "trap 'echo cmd-got-int; sleep 1; exit 7' INT; echo cmd-ready; "
                + "i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 1";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // script runs the line with $SHELL -c. The JVM must replace that shell (exec), as the censorsim launcher's
        // exec does: a dash left waiting in the foreground group dies of the same SIGINT, and script then exits 130
        // whatever the run does (CI's SHELL was /bin/sh; bash happens to exec a lone command by itself).
        String line = "exec " + quote(java) + " -cp " + quote(System.getProperty("java.class.path")) + " "
                + Main.class.getName() + " run --quiet -- sh -c " + quote(cmd);
        ProcessBuilder builder = new ProcessBuilder("script", "-qefc", line, "/dev/null").redirectErrorStream(true);
        builder.environment().put("SHELL", "/bin/sh");
        Process terminal = builder.start();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (OutputStream keyboard = terminal.getOutputStream()) {
            Thread reader = new Thread(() -> copy(terminal.getInputStream(), seen));
            reader.setDaemon(true);
            reader.start();
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                 !text(seen).contains("cmd-ready") && terminal.isAlive() && System.nanoTime() < deadline; ) {
                Thread.sleep(50);
            }
            assertThat(text(seen)).as("CMD started on the terminal").contains("cmd-ready");
            keyboard.write(3); // Ctrl-C: the terminal's line discipline sends SIGINT to the foreground group
            keyboard.flush();
            assertThat(terminal.waitFor(30, TimeUnit.SECONDS)).as("ends: %s", text(seen)).isTrue();
            reader.join(5_000);
        } finally {
            terminal.descendants().forEach(ProcessHandle::destroyForcibly);
            terminal.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(text(seen)).contains("cmd-got-int");
        assertThat(terminal.exitValue()).as("CMD's own exit code after its trap: %s", text(seen)).isEqualTo(7);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream to) {
        byte[] buffer = new byte[4096];
        try (in) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (to) {
                    to.write(buffer, 0, n);
                }
            }
        } catch (java.io.IOException e) {
            // the terminal went away; what was read is what there is
        }
    }
}
