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

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process went away; whatever was read is what there is
        }
    }
}
