package dev.censorsim.policy;

import java.util.Objects;

/**
 * The current {@link CompiledPolicy}, replaced atomically by the control API or a scenario phase change. A volatile
 * read per new flow is all the data plane pays; a flow keeps the policy it was evaluated against until re-evaluated.
 */
public final class PolicyHolder {

    private volatile CompiledPolicy current;

    public PolicyHolder(CompiledPolicy initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    public CompiledPolicy current() {
        return current;
    }

    /** Publishes {@code next}; flows evaluated after this call see it, none sees a mix of the two. */
    public void swap(CompiledPolicy next) {
        current = Objects.requireNonNull(next, "next");
    }
}
