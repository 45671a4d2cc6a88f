package dev.censorsim.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The censor's per-4-tuple state, as a DPI box keeps it rather than as a proxy would: a verdict taken for (client IP,
 * client port, server IP, server port) stays in the table when the TCP connection ends (a FIN or RST does not clear
 * it), a new connection on the same 4-tuple inherits it without being inspected, and it expires only after its
 * {@code state-timeout} without a packet, after which the 4-tuple is unknown again. Xue et al. ("Throttling Twitter", IMC 2021) measured
 * about ten minutes for the Twitter throttler.
 *
 * <p>Only verdicts of rules with a state timeout are kept. Bounded at {@link #capacity()} entries: expired entries at
 * the head go first, then the oldest, as a fixed-size hardware table forgets under a flood. Looked up and written once
 * per flow verdict under a lock; the per-chunk touch is a plain volatile write on the flow's own {@link State}.
 */
final class FlowStateTable {

    /** A box's state table holds millions; a simulator on one machine needs far fewer. */
    static final int DEFAULT_CAPACITY = 65_536;
    /** How many head entries a write looks at for expiry: bounds the work per new flow. */
    private static final int PURGE_BUDGET = 8;

    private record Key(InetAddress client, int clientPort, InetAddress server, int serverPort) {
    }

    /** One 4-tuple's kept verdict; the owning flow refreshes {@link #touch} on each chunk it relays. */
    static final class State {
        private final FlowVerdict verdict;
        private final long timeoutNanos;
        private volatile long lastSeenNanos;

        private State(FlowVerdict verdict, long nowNanos) {
            this.verdict = verdict;
            this.timeoutNanos = verdict.stateTimeoutNanos();
            this.lastSeenNanos = nowNanos;
        }

        FlowVerdict verdict() {
            return verdict;
        }

        long timeoutNanos() {
            return timeoutNanos;
        }

        void touch(long nowNanos) {
            lastSeenNanos = nowNanos;
        }

        /** How long until the state expires if nothing more is seen; 0 or less when it has. */
        long remainingNanos(long nowNanos) {
            return timeoutNanos - (nowNanos - lastSeenNanos);
        }
    }

    private final int capacity;
    private final LinkedHashMap<Key, State> states = new LinkedHashMap<>();

    FlowStateTable(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Keeps {@code verdict} for the 4-tuple, replacing what was there; the verdict must have a state timeout. */
    synchronized State remember(InetSocketAddress client, InetSocketAddress server, FlowVerdict verdict,
                                long nowNanos) {
        if (verdict.stateTimeoutNanos() <= 0) {
            throw new IllegalArgumentException("a verdict without a state timeout is not kept");
        }
        Key key = key(client, server);
        states.remove(key);
        Iterator<State> head = states.values().iterator();
        for (int i = 0; i < PURGE_BUDGET && head.hasNext(); i++) {
            if (head.next().remainingNanos(nowNanos) <= 0) {
                head.remove();
            }
        }
        head = states.values().iterator();
        while (states.size() >= capacity && head.hasNext()) {
            head.next();
            head.remove();
        }
        State state = new State(verdict, nowNanos);
        states.put(key, state);
        return state;
    }

    /** The live state of the 4-tuple, or {@code null}; an expired one is removed. */
    synchronized State lookup(InetSocketAddress client, InetSocketAddress server, long nowNanos) {
        Key key = key(client, server);
        State state = states.get(key);
        if (state == null) {
            return null;
        }
        if (state.remainingNanos(nowNanos) <= 0) {
            states.remove(key);
            return null;
        }
        return state;
    }

    /** Forgets {@code state} if it is still the 4-tuple's (a newer flow may have replaced it). */
    synchronized void expire(InetSocketAddress client, InetSocketAddress server, State state) {
        states.remove(key(client, server), state);
    }

    synchronized int size() {
        return states.size();
    }

    private static Key key(InetSocketAddress client, InetSocketAddress server) {
        return new Key(client.getAddress(), client.getPort(), server.getAddress(), server.getPort());
    }
}
