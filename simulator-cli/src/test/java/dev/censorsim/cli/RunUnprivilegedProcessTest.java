package dev.censorsim.cli;

import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Processes;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim run} and {@code gateway} started by a user without root ({@code nobody}, through {@code setpriv}):
 * one line naming what is missing and what to run instead, exit code 3, and nothing created. The test's class path
 * is copied where {@code nobody} can read it (Maven's repository under /root is not). Needs root (to become nobody)
 * and util-linux.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunUnprivilegedProcessTest {

    @Test
    void runWithoutRootShouldSayWhatIsMissingAndWhatToRunInstead(@TempDir Path dir) throws Exception {
        Interceptions.requireRootTools();
        String classPath = readableClassPath(dir);
        String namespacesBefore = Interceptions.run("ip", "netns", "list").stdout();

        ProcessResult run = asNobody(classPath, "run", "--host", "ok.test", "--", "true");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(run.stderr().strip().lines()).as(run.toString()).hasSize(1);
        assertThat(run.stderr()).startsWith("censorsim: cannot set up interception: needs root (CAP_NET_ADMIN")
                .contains("run it with sudo", "SUDO_UID", "unshare -Urnm", "censorsim serve");
        assertThat(Interceptions.run("ip", "netns", "list").stdout()).isEqualTo(namespacesBefore);
    }

    @Test
    void gatewayWithoutRootShouldSayItNeedsRoot(@TempDir Path dir) throws Exception {
        Interceptions.requireRootTools();
        String classPath = readableClassPath(dir);

        ProcessResult gateway = asNobody(classPath, "gateway", "--interface", "lo");

        assertThat(gateway.exitCode()).as(gateway.toString()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(gateway.stderr().strip().lines()).as(gateway.toString()).hasSize(1);
        assertThat(gateway.stderr()).contains("needs root (CAP_NET_ADMIN) to add nftables TPROXY rules",
                "run it with sudo");
    }

    /** A capture nobody may write (from an earlier run) outlives the refusal; it was truncated before the check. */
    @Test
    void gatewayWithoutRootShouldLeaveThePcapFileAsItWas(@TempDir Path dir) throws Exception {
        Interceptions.requireRootTools();
        String classPath = readableClassPath(dir);
        Path pcap = dir.resolve("keep.pcap");
        byte[] earlier = "an earlier run's capture".getBytes(StandardCharsets.US_ASCII);
        Files.write(pcap, earlier);
        Files.setPosixFilePermissions(pcap, PosixFilePermissions.fromString("rw-rw-rw-"));

        ProcessResult gateway = asNobody(classPath, "gateway", "--interface", "lo", "--pcap", pcap.toString());

        assertThat(gateway.exitCode()).as(gateway.toString()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(gateway.stderr().strip().lines()).as(gateway.toString()).hasSize(1);
        assertThat(gateway.stderr()).contains("needs root (CAP_NET_ADMIN)");
        assertThat(Files.readAllBytes(pcap)).isEqualTo(earlier);
    }

    private static ProcessResult asNobody(String classPath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
                "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classPath, Main.class.getName()));
        command.addAll(List.of(args));
        return Processes.run(command, Duration.ofSeconds(90));
    }

    /** Copies every class path entry into {@code dir}, readable by everyone, and returns the new class path. */
    private static String readableClassPath(Path dir) throws IOException {
        Tools.require("setpriv", "apt-get install util-linux");
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve(i++ + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                try (Stream<Path> files = Files.walk(from)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        Path target = to.resolve(from.relativize(file).toString());
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(file, target);
                        }
                    }
                }
            } else {
                Files.copy(from, to);
            }
            entries.add(to.toString());
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
