package dev.censorsim.report;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Writes the three report files of a run into the run's own folder under a report directory. */
public final class ReportFiles {

    /** The machine-readable report; its layout is product API. */
    public static final String JSON = "report.json";
    /** One testcase per expectation, for CI test reporters. */
    public static final String JUNIT = "junit.xml";
    /** The self-contained page with charts. */
    public static final String HTML = "report.html";

    private ReportFiles() {
    }

    /**
     * Creates {@code dir} if needed and proves it writable by creating and deleting a file in it, so a run that would
     * fail only when writing its reports fails before it starts.
     *
     * @throws IOException saying what is wrong, e.g. {@code "not a directory"}
     */
    public static void checkWritable(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".censorsim-write-check-", ".tmp"));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("not a directory: " + e.getFile(), e);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied: " + e.getFile(), e);
        } catch (FileSystemException e) {
            // e.g. "Not a directory" when a parent is a file, "Read-only file system"
            throw new IOException((e.getReason() == null ? e.getClass().getSimpleName() : e.getReason()) + ": "
                    + e.getFile(), e);
        }
    }

    /**
     * The folder of one scenario's reports under {@code reportDir}: {@code reportDir/<scenario>/}, so two scenarios
     * (or two tests) sharing a report directory never overwrite each other's files.
     *
     * @throws IllegalArgumentException when the name would put the folder anywhere but directly under
     *                                  {@code reportDir} ({@code ..}, a separator, empty); scenario files cannot name
     *                                  such a scenario, a scenario built in Java is checked here
     */
    public static Path scenarioDir(Path reportDir, String scenario) {
        Path dir = reportDir.resolve(scenario).normalize();
        Path parent = dir.getParent() == null ? Path.of("") : dir.getParent();
        if (scenario.isEmpty() || !reportDir.normalize().equals(parent) || !dir.getFileName().toString()
                .equals(scenario)) {
            throw new IllegalArgumentException("scenario name '" + scenario + "' would put its reports outside "
                    + reportDir);
        }
        return dir;
    }

    /** The bytes of one report file, written to the stream {@link #replace} gives it. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Replaces {@code file} with what {@code content} writes, by way of a temporary file beside it that is moved into
     * place once complete. A run killed while writing (a second signal, a CI job's kill after its grace period) or a
     * full disk leaves the previous file whole, not truncated, and a reader (a CI uploader, a browser) never sees
     * half a file. Buffered: the JDK's XML writer hands the stream one byte at a time.
     */
    static void replace(Path file, Content content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Path temp = parent.resolve("." + file.getFileName() + "." + Long.toHexString(
                ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
                content.writeTo(out);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                // Only where the file system has no atomic rename; the file is then briefly absent, never partial.
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // The write's own failure is the one to report; a stray dot-file is harmless.
                }
            }
        }
    }

    /**
     * Writes {@code report.json}, {@code junit.xml} and {@code report.html} to {@link #scenarioDir
     * reportDir/<scenario>/} (created if needed) and returns the three files.
     */
    public static List<Path> writeAll(ScenarioReport report, Path reportDir) throws IOException {
        Path dir = scenarioDir(reportDir, report.run().scenario());
        Files.createDirectories(dir);
        Path json = dir.resolve(JSON);
        Path junit = dir.resolve(JUNIT);
        Path html = dir.resolve(HTML);
        JsonReportWriter.write(report, json);
        JunitXmlWriter.write(report, junit);
        HtmlReportWriter.write(report, html);
        return List.of(json, junit, html);
    }
}
