package dev.censorsim.policy;

import dev.censorsim.classify.ModuleInspection;

import java.util.List;

/**
 * One {@code modules:} entry: a DPI module with its own inspection settings and its own rules, evaluated on every
 * flow beside the policy's other modules. The verdicts of all modules combine by {@link ActionPrecedence}.
 *
 * @param name       the module's name, for flow logs and errors
 * @param inspection how it reads the first client bytes
 * @param rules      its rules, first match wins within the module
 */
public record DpiModule(String name, ModuleInspection inspection, List<CompiledRule> rules) {

    public DpiModule {
        rules = List.copyOf(rules);
    }

    /** The module's first matching TCP rule's verdict, counted on that rule; {@link Verdict#PASS} when none. */
    public Verdict evaluate(FlowFacts facts) {
        for (CompiledRule rule : rules) {
            if (rule.action() != null && rule.match().matches(facts)) {
                rule.counters().flowHit();
                return rule.verdict();
            }
        }
        return Verdict.PASS;
    }

    /** Whether any of its rules needs the flow's content (a name or protocol). */
    boolean needsContent() {
        return rules.stream().anyMatch(r -> r.match().needsContent());
    }
}
