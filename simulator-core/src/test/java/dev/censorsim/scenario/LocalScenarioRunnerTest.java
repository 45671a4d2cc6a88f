package dev.censorsim.scenario;

import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.report.PhaseReport;
import dev.censorsim.report.ScenarioReport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The default scenario end to end over loopback, scaled so it runs in seconds. */
class LocalScenarioRunnerTest {

    @Test
    void defaultTimelineShouldMeetItsExpectationsAndReportEveryPhase() throws Exception {
        Scenario scenario = Scenario.load(Path.of("..", "scenarios", "whatsapp-2025-26.yaml")).withTimeScale(0.4);
        List<String> events = new ArrayList<>();
        List<TimeSample> streamed = new ArrayList<>();
        ScenarioReport report = new LocalScenarioRunner().run(scenario, new ProgressListener() {
            @Override
            public void phaseStarted(int index, Phase phase, long scaledDurationNanos) {
                events.add("start " + phase.name());
            }

            @Override
            public void sample(TimeSample sample) {
                streamed.add(sample);
            }

            @Override
            public void phaseFinished(int index, PhaseReport phase) {
                events.add("end " + phase.name());
            }
        });
        report.phases().forEach(p -> System.out.println(p.name() + " " + p.metrics()));
        assertThat(events).containsExactly("start baseline", "end baseline", "start calls-blocked",
                "end calls-blocked", "start throttled", "end throttled", "start blocked", "end blocked");
        assertThat(report.results()).as(report.results().toString()).allMatch(r -> r.passed());
        PhaseReport blocked = report.phases().get(3);
        assertThat(report.phases().get(1).metric(Metric.CALL_SETUP_OK.name())).isZero();
        assertThat(blocked.metric("control.chat.delivered_ratio"))
                .as("the control name is not on any list, so its chat survives the block")
                .isGreaterThanOrEqualTo(0.99);
        assertThat(report.samples()).as("about one sample per second of the timeline").hasSizeGreaterThanOrEqualTo(10);
        assertThat(streamed).isNotEmpty();
        assertThat(report.samples().get(0).seconds()).isBetween(0.0, 1.5);
        assertThat(report.phases().get(1).startSeconds()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(0.5));
        assertThat(blocked.metric(Metric.CONNECT_RESET_RATIO.name())).isGreaterThanOrEqualTo(0.95);
    }
}
