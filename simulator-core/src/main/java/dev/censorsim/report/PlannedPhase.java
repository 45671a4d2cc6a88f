package dev.censorsim.report;

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
}
