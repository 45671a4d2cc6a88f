package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The README walk-through: every shell command block of README.md runs as written, in order, offline, in a fresh
 * clone. Failsafe runs it in {@code verify}, after {@code package} built the jar ({@code mvn -B verify}, which is what
 * {@code scripts/test} and {@code .ci/run} call).
 *
 * <p>The rules, for whoever writes a README block:
 * <ul>
 *   <li><b>What runs.</b> Every fenced block tagged {@code sh} or {@code bash}, top to bottom, in one bash shell
 *       started in a clone of the checkout (its committed files with the working tree's changes on top), with
 *       {@code simulator-cli/target/censorsim.jar} copied in so {@code ./censorsim} does not build (Maven inside
 *       Maven), and {@code XDG_CACHE_HOME} in a temporary folder. Blocks share the shell: variables, files and
 *       background jobs carry over, as in a user's terminal. Output examples go in untagged fences.</li>
 *   <li><b>What passes.</b> Every command exits 0, or with a status the block allows ({@code <!-- walk: exit: 35 -->});
 *       the block's output contains each {@code <!-- walk: expect: TEXT -->}; it ends within its timeout (120 s, or
 *       {@code <!-- walk: timeout: S -->}). After the last block no background job is still running and the clone
 *       has no untracked file that git does not ignore (README example outputs belong in .gitignore).</li>
 *   <li><b>Servers.</b> A command that runs until Ctrl-C ends with {@code &}; the next command starts once it is
 *       ready (a censorsim command: its "press Ctrl-C to stop" line; anything else: a listening socket, stable for a
 *       second; at most 120 s). The section's last block stops them with {@code kill $(jobs -p); wait}. Use fixed loopback
 *       ports no other running block holds. Everything the walk started is killed at the end, even on failure (the
 *       shell runs in its own session and the whole process group gets SIGTERM, then SIGKILL).</li>
 *   <li><b>Skips</b>, few and honest, each with its reason in the README as an HTML comment directly above the
 *       fence: {@code <!-- walk: skip: REASON -->} (whole block), {@code <!-- walk: skip-line `PREFIX`: REASON -->}
 *       (commands starting with PREFIX), {@code <!-- walk: root -->} (skipped unless the test runs as root; as root a
 *       missing {@code sudo} is a no-op). The test prints how many blocks ran and were skipped, and why.</li>
 * </ul>
 * Tools the blocks drive: curl, openssl, dig, ss (iproute2), nft, tshark, setsid, git; scripts/test installs them.
 */
class ReadmeWalkthroughIT {

    /** Whole-walk bound: the blocks' own timeouts are much smaller; this only stops a wedged harness. */
    private static final long WALK_BOUND_MINUTES = 20;

    @Test
    @Timeout(value = WALK_BOUND_MINUTES + 2, unit = TimeUnit.MINUTES)
    void everyReadmeCommandBlockShouldRunAsWrittenInAFreshClone(@TempDir Path tmp) throws Exception {
        Path root = repositoryRoot();
        Path jar = root.resolve("simulator-cli/target/censorsim.jar");
        assertThat(jar).as("the CLI jar, built by 'package' before failsafe runs").isRegularFile();
        List<ReadmeWalkthrough.Block> blocks = ReadmeWalkthrough.parse(
                Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8));
        boolean asRoot = "0".equals(run(root, "id", "-u").strip());

        Path clone = tmp.resolve("censorsim");
        freshClone(root, clone);
        Path target = clone.resolve("simulator-cli/target");
        Files.createDirectories(target);
        Files.copy(jar, target.resolve("censorsim.jar"), StandardCopyOption.REPLACE_EXISTING);
        // Newer than every source, so the launcher does not rebuild.
        Files.setLastModifiedTime(target.resolve("censorsim.jar"), FileTime.from(Instant.now().plusSeconds(60)));

        List<ReadmeWalkthrough.Block> running = new ArrayList<>();
        List<String> skips = new ArrayList<>();
        for (ReadmeWalkthrough.Block block : blocks) {
            if (ReadmeWalkthrough.runs(block, asRoot)) {
                running.add(block);
                block.directives().skipLines().forEach((prefix, why) ->
                        skips.add("README.md:" + block.line() + " (the '" + prefix + "' line): " + why));
            } else {
                skips.add("README.md:" + block.line() + ": "
                        + (block.directives().skip() != null ? block.directives().skip() : "needs root"));
            }
        }
        Path script = tmp.resolve("walk.sh");
        Files.writeString(script, ReadmeWalkthrough.script(running));
        Path log = tmp.resolve("walk.log");
        Files.createFile(log);

        ProcessBuilder builder = new ProcessBuilder("setsid", "--wait", "bash", script.toString(), log.toString())
                .directory(clone.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString());
        builder.environment().remove("MAVEN_OPTS");
        Process shell = builder.start();
        String failure = null;
        long pgid = -1;
        Map<Integer, Long> begun = new LinkedHashMap<>();
        long walkStart = System.nanoTime();
        long walkEnd;
        try {
            failure = watch(shell, log, running, begun);
        } finally {
            walkEnd = System.nanoTime();
            pgid = pgid(log);
            stopGroup(shell, pgid);
        }
        // The whole log stays in target/ for reading after a failure (the temporary folder does not).
        Path kept = Path.of("target", "readme-walkthrough.log");
        Files.createDirectories(kept.getParent());
        Files.copy(log, kept, StandardCopyOption.REPLACE_EXISTING);
        String output = printable(Files.readString(log, StandardCharsets.ISO_8859_1));
        System.out.printf("README walk-through: %d of %d blocks run, %d skipped%n", running.size(), blocks.size(),
                blocks.size() - running.size());
        skips.forEach(s -> System.out.println("  skipped " + s));
        printDurations(begun, walkStart, walkEnd);

        List<String> problems = new ArrayList<>();
        if (failure != null) {
            problems.add(failure);
        }
        Map<Integer, String> outputs = blockOutputs(output);
        for (ReadmeWalkthrough.Block block : running) {
            String out = outputs.get(block.line());
            if (out == null) {
                if (failure == null) {
                    problems.add("README.md:" + block.line() + ": the block did not run");
                }
                continue;
            }
            List<String> blockProblems = new ArrayList<>();
            for (String line : out.lines().toList()) {
                if (line.startsWith("@@walk err ")) {
                    String[] parts = line.split(" ", 4);
                    int status = Integer.parseInt(parts[2]);
                    if (!block.directives().exits().contains(status)) {
                        blockProblems.add("exit " + status + ": " + (parts.length > 3 ? parts[3] : ""));
                    }
                } else if (line.startsWith("@@walk: ")) {
                    blockProblems.add(line.substring(8));
                }
            }
            for (String expected : block.directives().expects()) {
                if (!ReadmeWalkthrough.outputHolds(out, expected)) {
                    blockProblems.add("output lacks '" + expected + "'");
                }
            }
            if (!blockProblems.isEmpty()) {
                problems.add("README.md:" + block.line() + ": " + String.join("; ", blockProblems)
                        + "\n--- its output ---\n" + tail(out, 60));
            }
        }
        if (failure == null && !running.isEmpty()) {
            String last = outputs.getOrDefault(running.get(running.size() - 1).line(), "");
            if (last.lines().anyMatch(l -> l.matches("@@walk end \\d+ [1-9]\\d*"))) {
                problems.add("background jobs are still running after the last block: a section must stop its "
                        + "servers with 'kill $(jobs -p); wait'");
            }
            String untracked = run(clone, "git", "status", "--porcelain", "--untracked-files=all").lines()
                    .filter(l -> l.startsWith("??")).reduce("", (a, b) -> a + "\n  " + b);
            if (!untracked.isEmpty()) {
                problems.add("files the README creates are not ignored by git (add them to .gitignore):" + untracked);
            }
        }
        if (pgid > 0 && groupAlive(pgid)) {
            problems.add("processes of the walk survived SIGKILL of process group " + pgid);
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " README walk-through problem(s):\n" + String.join("\n\n", problems));
        }
    }

    /**
     * How long each block ran (from its start to the next one's, to within the 200 ms the log is polled at; a block
     * shorter than that may be counted in the one before), so a CI log shows where the walk's minutes go.
     */
    private static void printDurations(Map<Integer, Long> begun, long walkStart, long walkEnd) {
        List<Map.Entry<Integer, Long>> starts = new ArrayList<>(begun.entrySet());
        System.out.printf("README walk-through took %.0f s:%n", (walkEnd - walkStart) / 1e9);
        for (int i = 0; i < starts.size(); i++) {
            long next = i + 1 < starts.size() ? starts.get(i + 1).getValue() : walkEnd;
            System.out.printf("  README.md:%d ran %.1f s%n", starts.get(i).getKey(),
                    (next - starts.get(i).getValue()) / 1e9);
        }
    }

    /**
     * Follows the log, enforcing each block's timeout, and notes when each block began in {@code begun}; returns a
     * failure description, or null.
     */
    private static String watch(Process shell, Path log, List<ReadmeWalkthrough.Block> running,
                                Map<Integer, Long> begun) throws IOException, InterruptedException {
        Map<Integer, ReadmeWalkthrough.Block> byLine = new LinkedHashMap<>();
        running.forEach(b -> byLine.put(b.line(), b));
        long walkDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(WALK_BOUND_MINUTES);
        int current = -1;
        long blockDeadline = Long.MAX_VALUE;
        while (!shell.waitFor(200, TimeUnit.MILLISECONDS)) {
            int began = lastBegun(Files.readString(log, StandardCharsets.ISO_8859_1));
            if (began != current && began > 0) {
                current = began;
                begun.putIfAbsent(began, System.nanoTime());
                blockDeadline = System.nanoTime()
                        + TimeUnit.SECONDS.toNanos(byLine.get(began).directives().timeoutSeconds());
            }
            long now = System.nanoTime();
            if (now > blockDeadline) {
                return "README.md:" + current + ": the block did not finish within "
                        + byLine.get(current).directives().timeoutSeconds() + " s\n--- its output ---\n"
                        + tail(blockOutputs(printable(Files.readString(log, StandardCharsets.ISO_8859_1)))
                        .getOrDefault(current, ""), 60);
            }
            if (now > walkDeadline) {
                return "the walk-through did not finish within " + WALK_BOUND_MINUTES + " minutes";
            }
        }
        return Files.readString(log, StandardCharsets.ISO_8859_1).contains("@@walk done") ? null
                : "the walk-through shell ended early (exit " + shell.exitValue() + ")\n"
                + tail(printable(Files.readString(log, StandardCharsets.ISO_8859_1)), 60);
    }

    private static int lastBegun(String output) {
        int at = output.lastIndexOf("@@walk begin ");
        if (at < 0) {
            return -1;
        }
        int end = output.indexOf('\n', at);
        return end < 0 ? -1 : Integer.parseInt(output.substring(at + 13, end).strip());
    }

    /** The output between each block's begin and end markers, by README line. */
    static Map<Integer, String> blockOutputs(String output) {
        Map<Integer, String> outputs = new LinkedHashMap<>();
        Integer current = null;
        StringBuilder text = new StringBuilder();
        for (String line : output.lines().toList()) {
            if (line.startsWith("@@walk begin ")) {
                current = Integer.parseInt(line.substring(13).strip());
                text.setLength(0);
            } else if (current != null) {
                text.append(line).append('\n');
                outputs.put(current, text.toString());
                if (line.startsWith("@@walk end ")) {
                    current = null;
                }
            }
        }
        return outputs;
    }

    private static long pgid(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.ISO_8859_1).lines().filter(l -> l.startsWith("@@walk pgid "))
                .mapToLong(l -> Long.parseLong(l.substring(12).strip())).findFirst().orElse(-1);
    }

    /** SIGTERM to the walk's whole process group, then SIGKILL to what is left after 10 s. */
    private static void stopGroup(Process shell, long pgid) throws IOException, InterruptedException {
        if (pgid > 0) {
            signalGroup("TERM", pgid);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (groupAlive(pgid) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (groupAlive(pgid)) {
                signalGroup("KILL", pgid);
                Thread.sleep(500);
            }
        }
        shell.destroyForcibly();
        shell.waitFor(10, TimeUnit.SECONDS);
    }

    private static void signalGroup(String signal, long pgid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
    }

    private static boolean groupAlive(long pgid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-0", "--", "-" + pgid).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /**
     * A clone of the checkout's committed state with the working tree's tracked changes copied over it, so the
     * walk-through tests the README being edited, and nothing untracked (no build output) comes along.
     */
    private static void freshClone(Path root, Path clone) throws IOException, InterruptedException {
        run(root, "git", "clone", "-q", "--no-hardlinks", root.toString(),
                clone.toString());
        for (String file : run(root, "git", "ls-files", "-z").split("\0")) {
            if (file.isEmpty()) {
                continue;
            }
            Path from = root.resolve(file);
            Path to = clone.resolve(file);
            if (Files.isRegularFile(from)) {
                Files.createDirectories(to.getParent());
                Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            } else if (!Files.exists(from)) {
                Files.deleteIfExists(to);
            }
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a folder above %s holding README.md", System.getProperty("user.dir")).isNotNull();
        return dir;
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    /**
     * The log with control characters other than newline and tab, and non-ASCII bytes, shown as '?': tools' output
     * (colour codes, carriage returns) must not reach the test report, whose stream to Maven they can break.
     */
    private static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            b.append(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f) ? c : '?');
        }
        return b.toString();
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
