package dev.censorsim.transparent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system tools that set interception up ({@code ip}, {@code nft}) as subprocesses: no shell, arguments as a
 * list, output collected, a bounded wait. A failure becomes one line naming the command and what it printed.
 */
final class Commands {

    /** How long a tool may take before it counts as hung and is killed. */
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** How long a timed-out tool has between SIGTERM and SIGKILL. */
    static final long KILL_GRACE_MILLIS = 2_000;

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
        return tryRunWithInput(stdin, TIMEOUT, command);
    }

    /**
     * As {@link #tryRunWithInput(String, String...)}, bounded by {@code timeout} (tests shorten it). The pipes are read
     * and fed on helper threads, so a tool that hangs without closing its output (getent on an unreachable LDAP
     * server, nft waiting for a lock) cannot hold the caller past the bound: it is sent SIGTERM, SIGKILL after
     * {@link #KILL_GRACE_MILLIS}, and the call fails naming it.
     */
    static Result tryRunWithInput(String stdin, Duration timeout, String... command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + command[0] + "': " + e.getMessage()
                    + " (is " + packageOf(command[0]) + " installed?)", e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = helper(() -> copy(process.getInputStream(), out), "censorsim-cmd-stdout");
        Thread errReader = helper(() -> copy(process.getErrorStream(), err), "censorsim-cmd-stderr");
        if (stdin == null) {
            process.getOutputStream().close();
        } else {
            helper(() -> feed(process.getOutputStream(), stdin), "censorsim-cmd-stdin");
        }
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                kill(process);
                throw new IOException("'" + String.join(" ", command) + "' did not finish in " + describe(timeout)
                        + "; killed");
            }
            // The tool has ended; the readers reach the end of its output at once, unless a child it left behind
            // still holds a pipe: that gets what is left of the bound, and the output read by then is the result.
            outReader.join(remainingMillis(deadline));
            errReader.join(remainingMillis(deadline));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running " + command[0]);
        }
        return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    private static Thread helper(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** SIGTERM to the tool and what it started, then SIGKILL to whatever is left after the grace. */
    private static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().toList(); // before they lose their parent
        children.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                children.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                children.forEach(ProcessHandle::destroyForcibly);
            }
        } catch (InterruptedException e) {
            children.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** At least 1 ms: {@link Thread#join(long)} with 0 would wait for ever. */
    private static long remainingMillis(long deadlineNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static String describe(Duration timeout) {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
    }

    /**
     * Runs {@code lines} as one {@code ip [options] -batch -}: one process instead of one per step, which is what set-up
     * time was made of (each {@code ip} costs a fork, an exec and a netlink socket). A batch line cannot carry global
     * options, so the family comes from the addresses ({@code ::/0}, {@code from ::/0}) and the namespace from
     * {@code options} ({@code -n NS}). Stops at the first failing line and fails naming it.
     */
    static void ipBatch(java.util.List<String> options, java.util.List<String> lines) throws IOException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ip"));
        command.addAll(options);
        command.addAll(java.util.List.of("-batch", "-"));
        Result result = tryRunWithInput(String.join("\n", lines) + "\n", command.toArray(String[]::new));
        if (!result.ok()) {
            int failed = failedLine(result.stderr);
            String said = result.stderr.lines().filter(l -> !l.startsWith("Command failed")).map(String::strip)
                    .reduce((a, b) -> a + " " + b).orElse("");
            throw new IOException("'" + String.join(" ", command.subList(0, command.size() - 2)) + " "
                    + (failed > 0 && failed <= lines.size() ? lines.get(failed - 1) : "-batch") + "' failed (exit "
                    + result.exitCode + ")" + (said.isEmpty() ? "" : ": " + said));
        }
    }

    /**
     * Runs {@code lines} as one {@code ip -force -batch -} for teardown: every line is attempted, and what failed is
     * added to {@code errors}, except the messages that mean there was nothing to remove (set-up failed before it).
     */
    static void ipBatchForce(java.util.List<String> lines, java.util.List<String> errors) {
        Result result;
        try {
            result = tryRunWithInput(String.join("\n", lines) + "\n", "ip", "-force", "-batch", "-");
        } catch (IOException e) {
            errors.add(e.getMessage());
            return;
        }
        if (result.ok()) {
            return;
        }
        // ip prints each error, then "Command failed -:N" naming its line.
        StringBuilder said = new StringBuilder();
        for (String line : result.stderr.lines().toList()) {
            int failed = line.startsWith("Command failed") ? failedLine(line) : -1;
            if (failed < 0) {
                said.append(said.length() == 0 ? "" : " ").append(line.strip());
                continue;
            }
            String text = said.toString();
            said.setLength(0);
            if (!nothingToRemove(text) && failed >= 1 && failed <= lines.size()) {
                errors.add("ip " + lines.get(failed - 1) + ": " + text);
            }
        }
    }

    /** What {@code ip} and {@code nft} say when a teardown step finds nothing to undo. */
    static boolean nothingToRemove(String stderr) {
        return stderr.contains("Cannot find") || stderr.contains("No such file") || stderr.contains("does not exist")
                || stderr.contains("No such process");
    }

    /** N from the last "Command failed -:N" in {@code stderr}, or -1. */
    private static int failedLine(String stderr) {
        int at = stderr.lastIndexOf("Command failed -:");
        if (at < 0) {
            return -1;
        }
        int from = at + "Command failed -:".length();
        int to = from;
        while (to < stderr.length() && Character.isDigit(stderr.charAt(to))) {
            to++;
        }
        return to == from ? -1 : Integer.parseInt(stderr.substring(from, to));
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

    private static void feed(OutputStream in, String stdin) {
        try (in) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the tool closed its input or went away; its exit code says what happened
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process went away; whatever was read is what there is
        }
    }
}
