package dev.censorsim.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportWarningsTest {

    @Test
    void cleanFullRunShouldHaveNoWarnings() throws Exception {
        ScenarioReport report = SampleReports.passing();

        assertThat(ReportWarnings.of(report.run(), report.phases())).isEmpty();
    }

    @Test
    void overrunIdleAndMissingPhasesShouldEachBeNamed() throws Exception {
        ScenarioReport full = SampleReports.run(SampleReports.whatsappScenario().withTimeScale(0.25), 10e6);
        PhaseReport baseline = full.phases().get(0);
        PhaseReport slow = new PhaseReport(baseline.name(), baseline.policy(), baseline.nominalNanos(),
                3_000_000_000L, 0, baseline.metrics(), baseline.expectations(), List.of());
        PhaseReport throttled = full.phases().get(1);
        PhaseReport idle = new PhaseReport(throttled.name(), throttled.policy(), throttled.nominalNanos(),
                throttled.realNanos(), throttled.startSeconds(), Map.of(), List.of(), List.of());

        List<String> warnings = ReportWarnings.of(full.run(), List.of(slow, idle));

        assertThat(warnings).containsExactly(
                "time scale 0.25: every phase ran for 0.25 of its duration in the file; chat timeouts, churn and "
                        + "retry backoff were not scaled",
                "only 2 of 3 phases ran; the expectations of the others count as failed",
                "phase baseline ran 3s instead of 2.5s: the machine was busy, so rates and latencies may be off",
                "phase throttled made no connection attempts and decided no message, call or lookup: the "
                        + "workload did not run, so its figures say nothing about the policy");
    }

    @Test
    void aPhaseWhoseOnlyActivityIsChatOnALongLivedConnectionShouldNotBeCalledIdle() throws Exception {
        ScenarioReport full = SampleReports.run(SampleReports.whatsappScenario(), 10e6);
        PhaseReport baseline = full.phases().get(0);
        PhaseReport chatOnly = new PhaseReport(baseline.name(), baseline.policy(), baseline.nominalNanos(),
                baseline.realNanos(), 0, Map.of("connect.attempts", 0.0, "chat.delivered", 40.0),
                List.of(), List.of());

        assertThat(ReportWarnings.of(full.run(), List.of(chatOnly)))
                .noneMatch(w -> w.contains("did not run"));
    }
}
