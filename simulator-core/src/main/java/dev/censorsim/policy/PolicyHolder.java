package dev.censorsim.policy;

/** Temporary stand-in; replaced by the policy branch. */
public final class PolicyHolder {
    private volatile CompiledPolicy current;

    public PolicyHolder(CompiledPolicy policy) {
        this.current = policy;
    }

    public CompiledPolicy current() {
        return current;
    }

    public void swap(CompiledPolicy policy) {
        this.current = policy;
    }
}
