package dev.censorsim.report;

import dev.censorsim.scenario.MessengerSettings;
import dev.censorsim.scenario.Scenario;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What was run: the scenario, when, how fast, with which messenger settings and which policies per phase.
 *
 * @param scenario    the scenario's name
 * @param description its description, empty when none
 * @param file        the scenario file as given, or a label for scenarios built in Java
 * @param timeScale   the factor applied to phase durations
 * @param startedAt   when the run started
 * @param messenger   the messenger's settings; {@code null} for a live censor run ({@code serve --timeline}), where
 *                    real apps were the clients
 * @param phases      the timeline as planned
 */
public record RunInfo(String scenario, String description, String file, double timeScale, Instant startedAt,
                      MessengerSettings messenger, List<PlannedPhase> phases) {

    public RunInfo {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(startedAt, "startedAt");
        phases = List.copyOf(phases);
    }

    /** Describes a run of {@code scenario} that started at {@code startedAt}. */
    public static RunInfo of(Scenario scenario, Instant startedAt) {
        return new RunInfo(scenario.name(), scenario.description(), scenario.source(), scenario.timeScale(),
                startedAt, scenario.messenger(),
                scenario.phases().stream().map(p -> PlannedPhase.of(scenario, p)).toList());
    }
}
