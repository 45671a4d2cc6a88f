package dev.censorsim.scenario;

import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;

import dev.censorsim.report.PlannedPhase;
import dev.censorsim.report.RunInfo;
import dev.censorsim.report.ScenarioReport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A censorship timeline to run the synthetic messenger through: the messenger's settings, named policies, and phases
 * that each put one policy in force for a while and state what must hold meanwhile. Immutable; validated completely
 * when built, so a scenario that loads can run.
 *
 * <p>Load one with {@link #load(Path)} (every error is a {@link PolicyException} reading {@code file:line:col: ...}),
 * or build one in Java with {@link #builder(String)}.
 */
public final class Scenario {

    private final String name;
    private final String description;
    private final String source;
    private final double timeScale;
    private final MessengerSettings messenger;
    private final Map<String, ScenarioPolicy> policies;
    private final List<Phase> phases;

    Scenario(String name, String description, String source, double timeScale, MessengerSettings messenger,
             Map<String, ScenarioPolicy> policies, List<Phase> phases) {
        this.name = Objects.requireNonNull(name, "name");
        this.description = description == null ? "" : description;
        this.source = Objects.requireNonNull(source, "source");
        this.timeScale = checkTimeScale(timeScale);
        this.messenger = Objects.requireNonNull(messenger, "messenger");
        this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(policies));
        this.phases = List.copyOf(phases);
        if (this.phases.isEmpty()) {
            throw new IllegalArgumentException("a scenario needs at least one phase");
        }
        for (Phase phase : this.phases) {
            if (!this.policies.containsKey(phase.policy())) {
                throw new IllegalArgumentException("phase '" + phase.name() + "' uses unknown policy '"
                        + phase.policy() + "'");
            }
        }
    }

    /**
     * Reads and validates a scenario file (UTF-8); policy, zone and list files it names are resolved against its
     * directory. Every file read is a regular file within its size limit ({@link PolicyLoader#MAX_FILE_BYTES} for the
     * scenario and its policies), checked before it is parsed.
     */
    public static Scenario load(Path file) throws PolicyException {
        String yaml = PolicyLoader.readText(file, "scenario file");
        return parse(yaml, file.toString(), file.getParent() != null ? file.getParent() : Path.of(""));
    }

    /**
     * Parses scenario text.
     *
     * @param sourceName what error messages call the file
     * @param baseDir    where {@code file:} policies are resolved, or {@code null} to refuse them
     */
    public static Scenario parse(String yaml, String sourceName, Path baseDir) throws PolicyException {
        return ScenarioParser.parse(PolicyLoader.readTree(yaml, sourceName), yaml, baseDir);
    }

    /** Starts a scenario in Java; see {@link ScenarioBuilder}. */
    public static ScenarioBuilder builder(String name) {
        return new ScenarioBuilder(name);
    }

    /**
     * Runs this scenario in this JVM over loopback ({@link LocalScenarioRunner}) and returns what was run and seen.
     * Failed expectations are in the report, not exceptions: assert on {@link ScenarioReport#passed()}.
     *
     * <pre>{@code
     * ScenarioReport report = Scenario.load(Path.of("scenarios/whatsapp-2026-block.yaml")).withTimeScale(0.2).run();
     * assertThat(report.passed()).as(report.results().toString()).isTrue();
     * }</pre>
     */
    public ScenarioReport run() throws IOException, InterruptedException {
        return new LocalScenarioRunner().run(this, ProgressListener.NONE);
    }

    /** The same scenario under another time scale (the CLI's {@code --time-scale}). */
    public Scenario withTimeScale(double scale) {
        return new Scenario(name, description, source, scale, messenger, policies, phases);
    }

    /** What was run, as a report states it: this scenario as planned, run from {@code startedAt}. */
    public RunInfo runInfo(Instant startedAt) {
        return new RunInfo(name(), description(), source(), timeScale(), startedAt, messenger(),
                phases().stream().map(this::planned).toList());
    }

    private PlannedPhase planned(Phase phase) {
        ScenarioPolicy policy = policy(phase.policy());
        return new PlannedPhase(phase.name(), phase.description(), phase.durationNanos(),
                phase.scaledDurationNanos(timeScale()), policy.name(), policy.origin(), policy.describe(),
                phase.expectations().stream().map(Expectation::expression).toList());
    }

    /** The {@code scenario:} name; reports and report directories use it. */
    public String name() {
        return name;
    }

    /** Free text, empty when none. */
    public String description() {
        return description;
    }

    /** The file it was loaded from as given, or a label for scenarios built in Java. */
    public String source() {
        return source;
    }

    /** Factor in (0, 1] applied to every phase duration. */
    public double timeScale() {
        return timeScale;
    }

    /** How the synthetic messenger behaves throughout. */
    public MessengerSettings messenger() {
        return messenger;
    }

    /** The named policies in file order. */
    public Map<String, ScenarioPolicy> policies() {
        return policies;
    }

    /** The policy named {@code name}; every phase's policy is guaranteed to exist. */
    public ScenarioPolicy policy(String name) {
        ScenarioPolicy policy = policies.get(name);
        if (policy == null) {
            throw new IllegalArgumentException("no policy '" + name + "' in scenario " + this.name);
        }
        return policy;
    }

    /** The timeline, in order. */
    public List<Phase> phases() {
        return phases;
    }

    /** The run time of the whole timeline under the time scale. */
    public Duration scaledDuration() {
        return Duration.ofNanos(phases.stream().mapToLong(p -> p.scaledDurationNanos(timeScale)).sum());
    }

    /** The number of expectations over all phases. */
    public int expectationCount() {
        return phases.stream().mapToInt(p -> p.expectations().size()).sum();
    }

    static double checkTimeScale(double scale) {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("time-scale must be in (0, 1], got " + scale);
        }
        return scale;
    }

    /** The phase names in timeline order, for expectation references. */
    static List<String> names(List<Phase> phases) {
        List<String> names = new ArrayList<>();
        phases.forEach(p -> names.add(p.name()));
        return names;
    }

    @Override
    public String toString() {
        return "scenario " + name + " (" + source + ", " + phases.size() + " phases)";
    }
}
