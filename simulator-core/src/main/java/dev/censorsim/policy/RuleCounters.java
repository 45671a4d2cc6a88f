package dev.censorsim.policy;

/** Temporary stand-in; replaced by the policy branch. */
public final class RuleCounters {
    public void flowHit() {
    }

    public void addBytesUp(long n) {
    }

    public void addBytesDown(long n) {
    }
}
