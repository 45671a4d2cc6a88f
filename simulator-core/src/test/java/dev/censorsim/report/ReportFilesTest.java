package dev.censorsim.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
