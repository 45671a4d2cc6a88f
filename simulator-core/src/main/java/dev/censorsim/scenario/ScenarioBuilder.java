package dev.censorsim.scenario;

import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.ListFiles;
import dev.censorsim.policy.PolicyLoader;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link Scenario} in Java, with the same validation as a scenario file. Policies are given as policy YAML
 * text or a file; expectations as the same expressions a file uses. {@link #build()} fails with an
 * {@link IllegalArgumentException} naming the phase and the expression.
 *
 * <pre>{@code
 * Scenario s = Scenario.builder("throttle-check")
 *         .messenger(MessengerSettings.of("g.whatsapp.net", "mmg.whatsapp.net"))
 *         .policy("open", "link: { rate: 40mbit }")
 *         .policy("throttled", Path.of("scenarios/policies/whatsapp-2025-throttle.yaml"))
 *         .phase("baseline", Duration.ofSeconds(5), "open")
 *         .phase("throttled", Duration.ofSeconds(5), "throttled",
 *                 "media.throughput <= 0.30 * baseline.media.throughput")
 *         .build();
 * }</pre>
 */
public final class ScenarioBuilder {

    private final String name;
    private String description = "";
    private double timeScale = 1.0;
    private MessengerSettings messenger;
    private final Map<String, ScenarioPolicy> policies = new LinkedHashMap<>();
    private final List<PhaseSpec> phases = new ArrayList<>();

    private record PhaseSpec(String name, String description, Duration duration, String policy,
                             List<String> expectations) {
    }

    /** The longest phase, as in a scenario file ({@link ScenarioParser#MAX_PHASE_NANOS}). */
    private static final Duration MAX_PHASE = Duration.ofNanos(ScenarioParser.MAX_PHASE_NANOS);

    ScenarioBuilder(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** Free text for reports. */
    public ScenarioBuilder description(String description) {
        this.description = Objects.requireNonNull(description, "description");
        return this;
    }

    /** Factor in (0, 1] applied to every phase duration. */
    public ScenarioBuilder timeScale(double timeScale) {
        this.timeScale = Scenario.checkTimeScale(timeScale);
        return this;
    }

    /** The messenger's names, workload and strategies; required. */
    public ScenarioBuilder messenger(MessengerSettings messenger) {
        this.messenger = Objects.requireNonNull(messenger, "messenger");
        return this;
    }

    /** A policy written in the policy-file format, e.g. {@code "link: { rate: 40mbit }"}. */
    public ScenarioBuilder policy(String policyName, String policyYaml) {
        String source = "policy '" + policyName + "'";
        try {
            return add(ScenarioPolicy.compile(policyName, "inline",
                    PolicyLoader.readTree(policyYaml, source), ListFiles.NONE));
        } catch (PolicyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A policy read from {@code file}. */
    public ScenarioBuilder policy(String policyName, Path file) {
        try {
            return add(ScenarioPolicy.compile(policyName, file.toString(),
                    PolicyLoader.readTree(file, "policy file"), ListFiles.besides(file)));
        } catch (PolicyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private ScenarioBuilder add(ScenarioPolicy policy) {
        if (policies.putIfAbsent(policy.name(), policy) != null) {
            throw new IllegalArgumentException("duplicate policy '" + policy.name() + "'");
        }
        return this;
    }

    /** Appends a phase; {@code expectations} are expressions such as {@code "chat.delivered_ratio >= 0.99"}. */
    public ScenarioBuilder phase(String phaseName, Duration duration, String policyName, String... expectations) {
        return phase(phaseName, "", duration, policyName, expectations);
    }

    /** Appends a phase with a description for reports. */
    public ScenarioBuilder phase(String phaseName, String phaseDescription, Duration duration, String policyName,
                                 String... expectations) {
        phases.add(new PhaseSpec(phaseName, phaseDescription, duration, policyName, List.of(expectations)));
        return this;
    }

    /** Validates everything and returns the scenario. */
    public Scenario build() {
        if (messenger == null) {
            throw new IllegalArgumentException("scenario " + name + " needs messenger settings");
        }
        List<String> timeline = new ArrayList<>();
        for (PhaseSpec spec : phases) {
            Phase.checkName(spec.name());
            if (timeline.contains(spec.name())) {
                throw new IllegalArgumentException("duplicate phase '" + spec.name() + "'");
            }
            timeline.add(spec.name());
        }
        List<Phase> built = new ArrayList<>();
        for (PhaseSpec spec : phases) {
            List<Expectation> expectations = new ArrayList<>();
            for (String text : spec.expectations()) {
                Expectation expectation;
                try {
                    expectation = ExpectationParser.parse(text, spec.name(), timeline);
                } catch (ExpectationParser.Failure f) {
                    throw new IllegalArgumentException("phase '" + spec.name() + "': " + f.getMessage()
                            + " (column " + (f.offset + 1) + " of '" + text + "')");
                }
                String unmeasured = ScenarioParser.unmeasured(expectation, messenger);
                if (unmeasured == null && messenger.strategies().vpn() == null
                        && (ScenarioParser.isVpn(expectation.metric()) || expectation.threshold()
                        instanceof Threshold.Relative relative && ScenarioParser.isVpn(relative.metric()))) {
                    // A built phase keeps the scenario's VPN strategy, so without one no phase uses a VPN.
                    unmeasured = "expectation on the vpn.* figures, but " + ScenarioParser.NO_VPN;
                }
                if (unmeasured != null) {
                    throw new IllegalArgumentException("phase '" + spec.name() + "': '" + text + "': " + unmeasured);
                }
                expectations.add(expectation);
            }
            Duration duration = spec.duration();
            if (duration.compareTo(MAX_PHASE) > 0) {
                // toNanos() past Long nanoseconds threw ArithmeticException, naming no phase.
                throw new IllegalArgumentException("phase '" + spec.name()
                        + "': expected a duration of at most a day, got " + duration);
            }
            built.add(new Phase(spec.name(), spec.description(), duration.toNanos(), spec.policy(), expectations));
        }
        return new Scenario(name, description, "<java>", timeScale, messenger, policies, built);
    }
}
