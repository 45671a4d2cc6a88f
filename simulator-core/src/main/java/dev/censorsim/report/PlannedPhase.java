package dev.censorsim.report;

import dev.censorsim.scenario.Phase;
import dev.censorsim.scenario.Scenario;

import java.util.List;

/**
 * A phase as the scenario defined it: the "what was run" half of a report.
 *
 * @param name         the phase name
 * @param description  free text, empty when none
 * @param nominalNanos the duration the file gives
 * @param scaledNanos  the duration under the run's time scale
 * @param policy       the policy's name
 * @param policyOrigin where the policy came from (a file, or inline)
 * @param rules        the policy described line by line
 * @param expectations the expectations as written
 */
public record PlannedPhase(String name, String description, long nominalNanos, long scaledNanos, String policy,
                           String policyOrigin, List<String> rules, List<String> expectations) {

    public PlannedPhase {
        rules = List.copyOf(rules);
        expectations = List.copyOf(expectations);
    }

    static PlannedPhase of(Scenario scenario, Phase phase) {
        var policy = scenario.policy(phase.policy());
        return new PlannedPhase(phase.name(), phase.description(), phase.durationNanos(),
                phase.scaledDurationNanos(scenario.timeScale()), policy.name(), policy.origin(), policy.describe(),
                phase.expectations().stream().map(e -> e.expression()).toList());
    }
}
