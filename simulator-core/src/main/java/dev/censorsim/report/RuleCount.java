package dev.censorsim.report;

import dev.censorsim.policy.CompiledRule;

/**
 * What one policy rule did during a phase.
 *
 * @param rule      the rule's name
 * @param action    the action, described ({@code throttle cut 75% down})
 * @param flows     flows that got this rule's verdict
 * @param bytesUp   client-to-server bytes relayed on them
 * @param bytesDown server-to-client bytes relayed on them
 */
public record RuleCount(String rule, String action, long flows, long bytesUp, long bytesDown) {

    /** A snapshot of {@code rule}'s counters. */
    public static RuleCount of(CompiledRule rule) {
        return new RuleCount(rule.name(), rule.describe(), rule.counters().flows(),
                rule.counters().bytesUp(), rule.counters().bytesDown());
    }
}
