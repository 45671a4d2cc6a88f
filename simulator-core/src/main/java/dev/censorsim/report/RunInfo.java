package dev.censorsim.report;

import dev.censorsim.messenger.MessengerSettings;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What was run: the scenario, when, how fast, with which messenger settings and which policies per phase. Plain
 * data: the runner fills it in ({@code Scenario.runInfo}), the writers only read it.
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
}
