package dev.censorsim.demo;

/** One step of the demo's timeline: a name, what it models, and the censor's policy (policy-file YAML). */
public record DemoPhase(String name, String description, String policyYaml) {
}
