package dev.censorsim.policy;

import java.util.Objects;

/**
 * One rule of a {@link CompiledPolicy}: its name, its compiled match, its action for each data plane it applies to
 * ({@link #action()} for TCP, {@link #udpAction()} for UDP; either may be null, not both) and its counters.
 */
public final class CompiledRule {

    private final String name;
    private final RuleMatch match;
    private final TcpAction action;
    private final UdpAction udpAction;
    private final RuleCounters counters = new RuleCounters();
    private final Verdict verdict;
    private final long stateTimeoutNanos;

    CompiledRule(String name, RuleMatch match, TcpAction action) {
        this(name, match, Objects.requireNonNull(action, "action"), null);
    }

    CompiledRule(String name, RuleMatch match, TcpAction action, UdpAction udpAction) {
        this(name, match, action, udpAction, 0);
    }

    CompiledRule(String name, RuleMatch match, TcpAction action, UdpAction udpAction, long stateTimeoutNanos) {
        if (stateTimeoutNanos < 0) {
            throw new IllegalArgumentException("stateTimeoutNanos must be >= 0, was " + stateTimeoutNanos);
        }
        this.stateTimeoutNanos = stateTimeoutNanos;
        this.name = Objects.requireNonNull(name, "name");
        this.match = Objects.requireNonNull(match, "match");
        if (action == null && udpAction == null) {
            throw new IllegalArgumentException("rule '" + name + "' needs a TCP or a UDP action");
        }
        this.action = action;
        this.udpAction = udpAction;
        // Built once, so evaluate() hands out the same verdict instead of allocating one per flow.
        this.verdict = action == null ? null : new Verdict(this, action);
    }

    /** The rule's {@code name:} from the policy file; unique within the policy. */
    public String name() {
        return name;
    }

    /** The action on TCP flows; {@code null} for a UDP-only rule ({@code drop}, {@code drop-after}, {@code loss}). */
    public TcpAction action() {
        return action;
    }

    /** The action on UDP flows; {@code null} for a TCP-only rule ({@code reset}, {@code blackhole}, {@code freeze}). */
    public UdpAction udpAction() {
        return udpAction;
    }

    /** The TCP action's description, or the UDP one's for a UDP-only rule. */
    public String describe() {
        return action != null ? action.describe() : udpAction.describe();
    }

    /**
     * How long the box keeps this rule's verdict for the flow's 4-tuple after the flow goes quiet (its
     * {@code state-timeout}, or the policy's {@code dpi.state-timeout}); 0 when the verdict lives and dies with the
     * connection.
     */
    public long stateTimeoutNanos() {
        return stateTimeoutNanos;
    }

    public RuleCounters counters() {
        return counters;
    }

    RuleMatch match() {
        return match;
    }

    Verdict verdict() {
        return verdict;
    }

    @Override
    public String toString() {
        return name + " -> " + describe();
    }
}
