package dev.censorsim.scenario;

import dev.censorsim.report.ExpectationResult;
import dev.censorsim.messenger.Strategies;
import dev.censorsim.messenger.VpnStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One step of a scenario's timeline: a policy in force for a while, and what must hold while it is.
 *
 * @param name          unique in the scenario; expectations of later phases refer to it
 *                      ({@code baseline.media.throughput})
 * @param description   free text for reports, empty when none
 * @param durationNanos nominal duration, before the scenario's time scale
 * @param policy        the name of the scenario policy in force
 * @param expectations  checked against this phase's metrics when it ends
 * @param vpn           the VPN the app uses in this phase ({@link VpnStrategy#NONE} for none), or {@code null} for
 *                      the scenario's {@code strategies.vpn}
 */
public record Phase(String name, String description, long durationNanos, String policy,
                    List<Expectation> expectations, VpnStrategy vpn) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

    public Phase {
        checkName(name);
        description = description == null ? "" : description;
        if (durationNanos <= 0) {
            throw new IllegalArgumentException("phase '" + name + "' needs a positive duration");
        }
        Objects.requireNonNull(policy, "policy");
        expectations = List.copyOf(expectations);
    }

    /** A phase that keeps the scenario's VPN strategy. */
    public Phase(String name, String description, long durationNanos, String policy, List<Expectation> expectations) {
        this(name, description, durationNanos, policy, expectations, null);
    }

    /** The VPN in force in this phase given the scenario's {@code strategy}; {@code null} for none. */
    public VpnStrategy vpnIn(Strategies strategies) {
        VpnStrategy chosen = vpn == null ? strategies.vpn() : vpn;
        return chosen == null || chosen.kind() == null ? null : chosen;
    }

    /** The duration this phase runs for under {@code timeScale}, at least one millisecond. */
    public long scaledDurationNanos(double timeScale) {
        return Math.max(1_000_000L, Math.round(durationNanos * timeScale));
    }

    /**
     * Checks every expectation of this phase, in file order.
     *
     * @param measured      this phase's metrics by name
     * @param earlierPhases the metrics of the phases that ran before it, by phase name
     */
    public List<ExpectationResult> check(Map<String, Double> measured,
                                         Map<String, Map<String, Double>> earlierPhases) {
        List<ExpectationResult> results = new ArrayList<>(expectations.size());
        for (Expectation e : expectations) {
            results.add(e.evaluate(name, measured, earlierPhases));
        }
        return List.copyOf(results);
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a phase name starts with a letter and has only letters, digits, "
                    + "'_' and '-' (at most 64), got " + (name == null ? "nothing" : "'" + name + "'"));
        }
    }
}
