package dev.censorsim.transparent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system tools that set interception up ({@code ip}, {@code nft}) as subprocesses: no shell, arguments as a
 * list, output collected, a bounded wait. A failure becomes one line naming the command and what it printed.
 */
final class Commands {

    private static final long TIMEOUT_SECONDS = 20;

    private Commands() {
    }

    /** The outcome of one command. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs {@code command} and fails unless it exits 0. */
    static String run(String... command) throws IOException {
        return runWithInput(null, command);
    }

    /** Runs {@code command} with {@code stdin} fed to it, and fails unless it exits 0. */
    static String runWithInput(String stdin, String... command) throws IOException {
        Result result = tryRunWithInput(stdin, command);
        if (!result.ok()) {
            String said = (result.stderr.isBlank() ? result.stdout : result.stderr).strip().replace('\n', ' ');
            throw new IOException("'" + String.join(" ", command) + "' failed (exit " + result.exitCode + ")"
                    + (said.isEmpty() ? "" : ": " + said));
        }
        return result.stdout;
    }

    /** Runs {@code command}, returning whatever happened; for teardown steps that may find nothing to remove. */
    static Result tryRun(String... command) throws IOException {
        return tryRunWithInput(null, command);
    }

    static Result tryRunWithInput(String stdin, String... command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + command[0] + "': " + e.getMessage()
                    + " (is " + packageOf(command[0]) + " installed?)", e);
        }
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        // Small outputs: read stderr on a helper thread so neither pipe can fill and block the child.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> copy(process.getErrorStream(), err), "censorsim-cmd-stderr");
        errReader.setDaemon(true);
        errReader.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(process.getInputStream(), out);
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("'" + String.join(" ", command) + "' did not finish in " + TIMEOUT_SECONDS
                        + " s");
            }
            errReader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + command[0]);
        }
        return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    /** Whether {@code tool} is on the PATH. */
    static boolean available(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!dir.isEmpty() && new java.io.File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** The Debian package that brings {@code tool}, for error messages. */
    static String packageOf(String tool) {
        return switch (tool) {
            case "ip" -> "iproute2";
            case "nft" -> "nftables";
            case "setpriv", "unshare" -> "util-linux";
            default -> tool;
        };
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process went away; whatever was read is what there is
        }
    }
}
