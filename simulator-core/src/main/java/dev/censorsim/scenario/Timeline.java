package dev.censorsim.scenario;

import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A scenario file's {@code policies:} and {@code timeline:} without the synthetic messenger: what a live censor
 * ({@code censorsim serve --timeline}) steps through while real apps run against it. Any scenario file loads as a
 * timeline; one written only for this use may leave out {@code messenger:} (and then states no expectations).
 *
 * @param name         the scenario's name, {@code timeline} when the file gives none
 * @param description  its description, empty when none
 * @param source       the file as given
 * @param timeScale    the factor applied to phase durations
 * @param hasMessenger whether the file also defines a messenger (its expectations are then for {@code scenario run},
 *                     and a live run does not check them)
 * @param policies     the named policies
 * @param phases       the phases in order
 */
public record Timeline(String name, String description, String source, double timeScale, boolean hasMessenger,
                       Map<String, ScenarioPolicy> policies, List<Phase> phases) {

    public Timeline {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        phases = List.copyOf(phases);
        if (phases.isEmpty()) {
            throw new IllegalArgumentException("a timeline needs at least one phase");
        }
    }

    /** Reads a scenario file (UTF-8) as a timeline; {@code file:} policies resolve against its directory. */
    public static Timeline load(Path file) throws PolicyException {
        // The same limits as Scenario.load: a regular file within the size limit, strict UTF-8.
        String yaml = PolicyLoader.readText(file, "scenario file");
        return parse(yaml, file.toString(), file.getParent() != null ? file.getParent() : Path.of(""));
    }

    /** Parses timeline text; see {@link Scenario#parse} for the arguments. */
    public static Timeline parse(String yaml, String sourceName, Path baseDir) throws PolicyException {
        return ScenarioParser.parseTimeline(PolicyLoader.readTree(yaml, sourceName), yaml, baseDir);
    }

    /** The policy a phase uses. */
    public ScenarioPolicy policy(Phase phase) {
        return policies.get(phase.policy());
    }

    /** The same timeline under another time scale. */
    public Timeline withTimeScale(double scale) {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("time scale must be in (0, 1], was " + scale);
        }
        return new Timeline(name, description, source, scale, hasMessenger, policies, phases);
    }
}
