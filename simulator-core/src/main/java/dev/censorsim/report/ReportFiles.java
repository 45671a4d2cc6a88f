package dev.censorsim.report;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
