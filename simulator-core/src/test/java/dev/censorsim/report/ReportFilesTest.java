package dev.censorsim.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportFilesTest {

    @Test
    void writeAllShouldWriteUnderAFolderNamedForTheScenario(@TempDir Path reports) throws Exception {
        ScenarioReport report = SampleReports.passing();

        List<Path> files = ReportFiles.writeAll(report, reports);

        Path own = reports.resolve(report.run().scenario());
        assertThat(files).containsExactly(own.resolve("report.json"), own.resolve("junit.xml"),
                own.resolve("report.html"));
        assertThat(files).allSatisfy(f -> assertThat(f).isNotEmptyFile());
        try (var top = Files.list(reports)) {
            assertThat(top).as("nothing written straight into the report directory").containsExactly(own);
        }
    }

    @Test
    void twoScenariosSharingAReportDirectoryShouldNotOverwriteEachOther(@TempDir Path reports) throws Exception {
        ScenarioReport first = SampleReports.passing();
        RunInfo run = first.run();
        ScenarioReport second = new ScenarioReport(new RunInfo("another-scenario", run.description(), run.file(),
                run.timeScale(), run.startedAt(), run.messenger(), run.phases()), first.phases(), first.samples(),
                first.warnings(), first.interruption());

        ReportFiles.writeAll(first, reports);
        ReportFiles.writeAll(second, reports);

        assertThat(Files.readString(reports.resolve(first.run().scenario()).resolve("report.json")))
                .contains("\"" + first.run().scenario() + "\"");
        assertThat(Files.readString(reports.resolve("another-scenario").resolve("report.json")))
                .contains("\"another-scenario\"");
    }

    /** One of the three writers, as {@link ReportFiles#writeAll} calls it. */
    private interface Writer {
        void write(ScenarioReport report, Path file) throws IOException;
    }

    @Test
    void eachReportShouldBeReplacedWholeNotRewrittenUnderAReader(@TempDir Path reports) throws Exception {
        ScenarioReport first = SampleReports.passing();
        ScenarioReport second = SampleReports.failing();
        List<Path> files = ReportFiles.writeAll(first, reports);
        Map<Path, Writer> writers = Map.of(files.get(0), JsonReportWriter::write, files.get(1), JunitXmlWriter::write,
                files.get(2), HtmlReportWriter::write);

        for (Path file : files) {
            String before = Files.readString(file);
            try (InputStream reader = Files.newInputStream(file)) {
                writers.get(file).write(second, file);

                // Written in place (truncate, then write), a reader (a CI uploader, a browser) could see half a
                // file, and a kill half way left one; moved into place, the reader keeps the whole previous file.
                assertThat(new String(reader.readAllBytes(), StandardCharsets.UTF_8)).as(file.toString())
                        .isEqualTo(before);
            }
            assertThat(Files.readString(file)).as(file.toString()).isNotEqualTo(before);
        }
        try (var left = Files.list(files.get(0).getParent())) {
            assertThat(left).as("no temporary file left behind").containsExactlyInAnyOrderElementsOf(files);
        }
    }

    @Test
    void aWriteThatFailsHalfWayShouldLeaveThePreviousFileAndNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(ReportFiles.JUNIT);
        Files.writeString(file, "<testsuites/>\n");

        assertThatThrownBy(() -> ReportFiles.replace(file, out -> {
            out.write("<testsuites><testsuite".getBytes(StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        })).hasMessage("No space left on device");

        assertThat(Files.readString(file)).isEqualTo("<testsuites/>\n");
        try (var left = Files.list(dir)) {
            assertThat(left).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void scenarioDirShouldRefuseNamesThatLeaveTheReportDirectory(@TempDir Path reports) {
        for (String name : List.of("..", "../up", "a/b", "", ".")) {
            assertThatThrownBy(() -> ReportFiles.scenarioDir(reports, name)).as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("would put its reports outside");
        }
        assertThat(ReportFiles.scenarioDir(reports, "whatsapp-2025-26")).isEqualTo(reports.resolve("whatsapp-2025-26"));
    }
}
