package dev.censorsim.metrics;

/**
 * The phase number that attempts, transfers, calls and tunnel sessions are tagged with when they begin, and whether
 * an outcome decided now counts. A phase boundary is a policy swap followed by a cut of the figures;
 * {@link #policyChanging} opens the gap between the two, {@link #cut} closes it. In the gap new work is tagged with
 * the next phase, and nothing decided counts: work tagged before the swap ran under both policies, work tagged in
 * the gap ran under the next policy while the previous phase's figures were still open.
 *
 * <p>Thread-safety: the two transitions are synchronized; the readers see the latest values (volatile).
 */
public final class PhaseTags {

    private volatile long current;
    private volatile boolean switching;

    /** Opens the gap before a policy swap: new work belongs to the next phase. Again before the cut: nothing. */
    public synchronized void policyChanging() {
        if (!switching) {
            switching = true;
            current++;
        }
    }

    /** Closes the current phase: ends the gap one {@link #policyChanging} opened, or advances the tag if none did. */
    public synchronized void cut() {
        if (switching) {
            switching = false;
        } else {
            current++;
        }
    }

    /** The tag for work beginning now. */
    public long current() {
        return current;
    }

    /** Whether a swap is under way and the phase's figures are not yet cut. */
    public boolean switching() {
        return switching;
    }

    /** Whether an outcome of work tagged {@code tag} when it began counts in the figures now being gathered. */
    public boolean counts(long tag) {
        return tag == current && !switching;
    }
}
