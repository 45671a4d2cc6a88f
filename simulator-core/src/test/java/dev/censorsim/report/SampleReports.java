package dev.censorsim.report;

import dev.censorsim.metrics.TimeSample;
import dev.censorsim.scenario.Phase;
import dev.censorsim.scenario.Scenario;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reports of a fixed copy of the {@code whatsapp-2025-26} scenario with figures shaped like a real run (40 Mbit/s baseline,
 * a 75% cut, then resets), for the writers' tests and the CLI's. Expectations are checked by the real code.
 */
public final class SampleReports {

    public static final Instant STARTED = Instant.parse("2026-02-11T09:30:00.123Z");

    private SampleReports() {
    }

    /**
     * The default scenario's three-phase timeline (baseline, throttled, blocked) as a fixed test resource, so the
     * report tests do not move when the shipped file does (path relative to the core module's directory).
     */
    public static Scenario whatsappScenario() throws Exception {
        return Scenario.load(Path.of("src", "test", "resources", "scenarios", "whatsapp-2025-26.yaml"));
    }

    /** A run where every expectation holds. */
    public static ScenarioReport passing() throws Exception {
        return run(whatsappScenario(), 10.0e6);
    }

    /** A run where the throttle was too weak: the upper throughput bound of 'throttled' fails. */
    public static ScenarioReport failing() throws Exception {
        return run(whatsappScenario(), 15.0e6);
    }

    /** A run of {@code scenario} whose phases see baseline, throttled and blocked figures in turn. */
    public static ScenarioReport run(Scenario scenario, double throttledThroughput) {
        List<Map<String, Double>> perPhase = new ArrayList<>();
        perPhase.add(open());
        perPhase.add(throttled(throttledThroughput));
        perPhase.add(blocked());
        List<PhaseReport> phases = new ArrayList<>();
        Map<String, Map<String, Double>> earlier = new HashMap<>();
        List<TimeSample> samples = new ArrayList<>();
        double start = 0;
        for (int i = 0; i < scenario.phases().size(); i++) {
            Phase phase = scenario.phases().get(i);
            Map<String, Double> metrics = perPhase.get(Math.min(i, perPhase.size() - 1));
            long real = phase.scaledDurationNanos(scenario.timeScale()) + 3_000_000L;
            phases.add(new PhaseReport(phase.name(), phase.policy(), phase.durationNanos(), real, start, metrics,
                    phase.check(metrics, earlier), List.of(new RuleCount("whatsapp-slow",
                    "throttle 12.5 mbit/s down per flow", 4 + i, 1_200L * i, 2_000_000L * i))));
            earlier.put(phase.name(), metrics);
            double end = start + real / 1e9;
            for (double t = Math.floor(start) + 1; t <= end; t++) {
                samples.add(sample(t, metrics));
            }
            start = end;
        }
        return new ScenarioReport(scenario.runInfo(STARTED), phases, samples,
                List.of("time scale 1: the full timeline ran"));
    }

    private static TimeSample sample(double t, Map<String, Double> phase) {
        Map<String, Double> values = new LinkedHashMap<>();
        // A gentle wobble so the lines look like measurements, deterministic so tests are repeatable.
        double wobble = 1 + 0.04 * Math.sin(t * 1.7);
        Double throughput = phase.get("media.throughput");
        if (throughput != null) {
            values.put("media.throughput", throughput * wobble);
        }
        Double p50 = phase.get("chat.latency.p50");
        if (p50 != null) {
            values.put("chat.latency.p50", p50 * wobble);
            values.put("chat.latency.p99", phase.get("chat.latency.p99") * (2 - wobble));
        }
        return new TimeSample(t, values);
    }

    private static Map<String, Double> open() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("chat.sent", 50.0);
        m.put("chat.delivered", 50.0);
        m.put("chat.failed", 0.0);
        m.put("chat.timed_out", 0.0);
        m.put("chat.delivered_ratio", 1.0);
        m.put("chat.latency.p50", 2.4);
        m.put("chat.latency.p99", 9.1);
        m.put("media.transfers", 25.0);
        m.put("media.completed", 25.0);
        m.put("media.completed_ratio", 1.0);
        m.put("media.throughput", 39.9e6);
        m.put("connect.attempts", 26.0);
        m.put("connect.ok", 26.0);
        m.put("connect.reset", 0.0);
        m.put("connect.timeout", 0.0);
        m.put("connect.ok_ratio", 1.0);
        m.put("connect.reset_ratio", 0.0);
        return m;
    }

    private static Map<String, Double> throttled(double throughput) {
        Map<String, Double> m = open();
        m.put("chat.sent", 100.0);
        m.put("chat.delivered", 100.0);
        m.put("chat.latency.p50", 4.0);
        m.put("chat.latency.p99", 48.0);
        m.put("media.transfers", 12.0);
        m.put("media.completed", 12.0);
        m.put("media.throughput", throughput);
        m.put("connect.attempts", 13.0);
        m.put("connect.ok", 13.0);
        return m;
    }

    private static Map<String, Double> blocked() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("chat.sent", 50.0);
        m.put("chat.delivered", 0.0);
        m.put("chat.failed", 50.0);
        m.put("chat.delivered_ratio", 0.0);
        m.put("media.transfers", 6.0);
        m.put("media.completed", 0.0);
        m.put("media.failed", 6.0);
        m.put("media.completed_ratio", 0.0);
        m.put("connect.attempts", 40.0);
        m.put("connect.ok", 0.0);
        m.put("connect.reset", 39.0);
        m.put("connect.timeout", 1.0);
        m.put("connect.ok_ratio", 0.0);
        m.put("connect.reset_ratio", 0.975);
        m.put("first_failure.seconds", 0.004);
        m.put("control.chat.delivered_ratio", 1.0);
        m.put("control.connect.ok_ratio", 1.0);
        return m;
    }
}
