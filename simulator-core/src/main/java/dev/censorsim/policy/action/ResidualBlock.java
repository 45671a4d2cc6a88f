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
 * <p>{@link Flows#NEW} (the default) leaves connections that were already open alone, as the HTTP/SNI penalty boxes
 * measured so far do (they catch the next connections); {@link Flows#ALL} also moves every open connection in the
 * scope to the verdict at the trigger, as a box that drops the whole 3-tuple's packets does: the GFW's
 * fully-encrypted block drops everything from the client to the server IP:port for the window, whatever it looks like.
 *
 * @param scope    which later connections the state catches
 * @param forNanos how long the state lives after the trigger; a later hit does not extend it
 * @param flows    whether connections already open in the scope are caught at the trigger too
 */
public record ResidualBlock(Scope scope, long forNanos, Flows flows) {

    /** Which connections in the scope the state catches. */
    public enum Flows {
        /** Only connections opened after the trigger. */
        NEW("new"),
        /** Connections opened after the trigger and those open at the trigger. */
        ALL("all");

        private final String wireName;

        Flows(String wireName) {
            this.wireName = wireName;
        }

        /** The name policy files use. */
        public String wireName() {
            return wireName;
        }
    }

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
        if (flows == null) {
            throw new IllegalArgumentException("a residual block says which flows it catches");
        }
    }

    /** A block that catches only connections opened after the trigger. */
    public ResidualBlock(Scope scope, long forNanos) {
        this(scope, forNanos, Flows.NEW);
    }

    /**
     * {@code residual: { scope: 3-tuple | server, for: 180s, flows: new | all }}; the scope defaults to
     * {@code 3-tuple}, the flows to {@code new}.
     */
    static ResidualBlock parse(PolicyNode node) throws PolicyException {
        node.requireMap("'residual'");
        node.checkKeys("'residual'", List.of("scope", "for", "flows"));
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
        Flows flows = Flows.NEW;
        PolicyNode flowsNode = node.get("flows");
        if (flowsNode != null) {
            String text = flowsNode.text("'flows'").toLowerCase(Locale.ROOT);
            flows = null;
            for (Flows candidate : Flows.values()) {
                if (candidate.wireName.equals(text)) {
                    flows = candidate;
                }
            }
            if (flows == null) {
                throw flowsNode.error("unknown residual flows '" + text + "'; expected one of new, all");
            }
        }
        return new ResidualBlock(scope, nanos, flows);
    }

    /** For flow logs: {@code residual 3-tuple 180s}, or {@code residual 3-tuple 180s, all flows}. */
    public String describe() {
        return "residual " + scope.wireName + " " + Durations.format(forNanos)
                + (flows == Flows.ALL ? ", all flows" : "");
    }
}
