package dev.censorsim.policy;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one rule did: flows it matched and bytes relayed on them. Written from many event loops at once, hence
 * {@link LongAdder}s (no contended CAS on the relay path); reads are a consistent-enough sum for reports.
 */
public final class RuleCounters {

    private final LongAdder flows = new LongAdder();
    private final LongAdder bytesUp = new LongAdder();
    private final LongAdder bytesDown = new LongAdder();

    /** Counts one flow that got this rule's verdict. {@link CompiledPolicy#evaluate} calls it. */
    public void flowHit() {
        flows.increment();
    }

    /** Adds client-to-server bytes relayed on a flow this rule matched. */
    public void addBytesUp(long bytes) {
        bytesUp.add(bytes);
    }

    /** Adds server-to-client bytes relayed on a flow this rule matched. */
    public void addBytesDown(long bytes) {
        bytesDown.add(bytes);
    }

    public long flows() {
        return flows.sum();
    }

    public long bytesUp() {
        return bytesUp.sum();
    }

    public long bytesDown() {
        return bytesDown.sum();
    }

    @Override
    public String toString() {
        return "flows=" + flows() + " up=" + bytesUp() + "B down=" + bytesDown() + "B";
    }
}
