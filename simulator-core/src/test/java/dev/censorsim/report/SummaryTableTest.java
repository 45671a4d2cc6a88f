package dev.censorsim.report;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SummaryTableTest {

    private static String print(ScenarioReport report) {
        StringWriter out = new StringWriter();
        SummaryTable.print(report, new PrintWriter(out));
        return out.toString();
    }

    @Test
    void summaryShouldListPhasesKeyFiguresAndTheVerdict() throws Exception {
        String text = print(SampleReports.failing());
        String[] lines = text.split("\n");

        assertThat(lines[0]).startsWith("phase").contains("duration", "delivered", "chat p99", "media", "reset",
                "expectations");
        assertThat(lines[1]).startsWith("baseline").contains("10.003s", "1.000", "9.10 ms", "39.90 Mbit/s",
                "3/3 passed");
        assertThat(lines[2]).startsWith("throttled").contains("20.003s", "15.00 Mbit/s", "2/3 passed");
        assertThat(lines[3]).startsWith("blocked").contains("0.000", " 39 ", "5/5 passed");
        assertThat(text).contains("  [FAIL] throttled: media.throughput <= 0.30 * baseline.media.throughput: "
                + "measured 15.00 Mbit/s, expected <= 11.97 Mbit/s (0.3 * baseline.media.throughput)");
        assertThat(text).endsWith("censorsim scenario whatsapp-2025-26: FAILED, 10 of 11 expectations held\n");
    }

    @Test
    void phasesThatDidNotRunShouldSaySo() throws Exception {
        ScenarioReport full = SampleReports.passing();
        String text = print(new ScenarioReport(full.run(), full.phases().subList(0, 2), List.of(),
                List.of("the proxy stopped")));

        assertThat(text).contains("blocked           -  did not run", "  warning: the proxy stopped",
                "FAILED, 6 of 11 expectations held");
    }
}
