package dev.censorsim.policy.action;

import dev.censorsim.units.Durations;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;

import java.util.List;
import java.util.Locale;

/**
 * The {@code residual:} option of a {@code reset} or {@code blackhole} action: after the action fires, new connections
 * to the same server are treated the same way for {@link #forNanos()}, whatever their first bytes say (an innocuous
 * SNI included). Censors that keep such state key it on the 3-tuple (client IP, server IP, server port) or block the
 * server's IP and port for every client: the GFW's fully-encrypted-traffic rule blocks the server IP:port for about
 * 180 s after a trigger (Wu et al., USENIX Security 2023); Turkey was reported throttling by IP after one bad SNI.
 *
 * @param scope    which later connections the state catches
 * @param forNanos how long the state lives after the trigger; a later hit does not extend it
 */
public record ResidualBlock(Scope scope, long forNanos) {

    /** Which later connections a residual entry catches. */
    public enum Scope {
        /** The same client IP to the same server IP and port (any client port). */
        THREE_TUPLE("3-tuple"),
        /** Any client to the same server IP and port. */
        SERVER("server");

        private final String wireName;

        Scope(String wireName) {
            this.wireName = wireName;
        }

        /** The name policy files use. */
        public String wireName() {
            return wireName;
        }
    }

    public ResidualBlock {
        if (scope == null) {
            throw new IllegalArgumentException("a residual block has a scope");
        }
        if (forNanos <= 0) {
            throw new IllegalArgumentException("a residual block lasts a positive time, got " + forNanos + " ns");
        }
    }

    /** {@code residual: { scope: 3-tuple | server, for: 180s }}; the scope defaults to {@code 3-tuple}. */
    static ResidualBlock parse(PolicyNode node) throws PolicyException {
        node.requireMap("'residual'");
        node.checkKeys("'residual'", List.of("scope", "for"));
        Scope scope = Scope.THREE_TUPLE;
        PolicyNode scopeNode = node.get("scope");
        if (scopeNode != null) {
            String text = scopeNode.text("'scope'").toLowerCase(Locale.ROOT);
            scope = null;
            for (Scope candidate : Scope.values()) {
                if (candidate.wireName.equals(text)) {
                    scope = candidate;
                }
            }
            if (scope == null) {
                throw scopeNode.error("unknown residual scope '" + text + "'; expected one of 3-tuple, server");
            }
        }
        PolicyNode forNode = node.required("for", "'residual'");
        long nanos;
        try {
            nanos = Durations.parseNanos(forNode.text("'for'"));
        } catch (IllegalArgumentException e) {
            throw forNode.error(e.getMessage());
        }
        if (nanos <= 0) {
            throw forNode.error("expected a positive 'for' such as 180s");
        }
        return new ResidualBlock(scope, nanos);
    }

    /** For flow logs: {@code residual 3-tuple 180s}. */
    public String describe() {
        return "residual " + scope.wireName + " " + Durations.format(forNanos);
    }
}
