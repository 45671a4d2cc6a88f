package dev.censorsim.proxy;

import dev.censorsim.policy.action.ResidualBlock;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The censor's residual state: after a {@code reset} or {@code blackhole} with a {@code residual:} option fires, the
 * 3-tuple (client IP, server IP, server port), or the server's IP and port for everyone, gets the same verdict until
 * the entry expires, whatever the next connection's first bytes say.
 *
 * <p>Bounded: at most {@link #capacity()} entries. Expired entries go first; when the table is still full, the oldest
 * entry goes, as a DPI box's fixed-size state table forgets under a flood rather than growing. A hit does not extend an
 * entry; a new trigger on the same key replaces it. Flows on every event loop share the table, so it is locked; it is
 * touched once per flow verdict, never per packet.
 */
final class ResidualTable {

    /** Room for a busy box's worth of blocked tuples; each entry is a few hundred bytes. */
    static final int DEFAULT_CAPACITY = 65_536;

    /** {@code client} is null for a server-wide entry. */
    private record Key(InetAddress client, InetAddress server, int port) {
    }

    private record Entry(FlowVerdict verdict, ResidualBlock block, long expiresAtNanos) {
    }

    private final int capacity;
    /** Insertion order: the head is the oldest trigger, the first to go when the table is full. */
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>();

    ResidualTable(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Records residual state for a flow from {@code client} to {@code server} whose verdict just fired. */
    synchronized void trigger(InetAddress client, InetSocketAddress server, ResidualBlock block, FlowVerdict verdict,
                              long nowNanos) {
        Key key = key(block.scope() == ResidualBlock.Scope.THREE_TUPLE ? client : null, server);
        entries.remove(key);
        purgeExpired(nowNanos);
        Iterator<Entry> oldest = entries.values().iterator();
        while (entries.size() >= capacity && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
        entries.put(key, new Entry(verdict, block, nowNanos + block.forNanos()));
    }

    /**
     * The verdict residual state imposes on a new flow, or {@code null} when none lives: the 3-tuple entry first, then
     * the server-wide one.
     */
    synchronized Hit lookup(InetAddress client, InetSocketAddress server, long nowNanos) {
        Hit hit = live(key(client, server), nowNanos);
        return hit != null ? hit : live(key(null, server), nowNanos);
    }

    synchronized int size() {
        return entries.size();
    }

    /** A live residual entry: the verdict to apply and how long the state has left. */
    record Hit(FlowVerdict verdict, ResidualBlock block, long remainingNanos) {
    }

    private Hit live(Key key, long nowNanos) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        long remaining = entry.expiresAtNanos - nowNanos;
        if (remaining <= 0) {
            entries.remove(key);
            return null;
        }
        return new Hit(entry.verdict, entry.block, remaining);
    }

    /**
     * Drops expired entries from the head, stopping at the first live one: O(1) amortised per trigger even under a
     * flood. With one {@code for:} everywhere, insertion order is expiry order; mixed durations may leave an expired
     * entry behind a live one until it reaches the head or is looked up.
     */
    private void purgeExpired(long nowNanos) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (it.next().expiresAtNanos - nowNanos > 0) {
                return;
            }
            it.remove();
        }
    }

    private static Key key(InetAddress client, InetSocketAddress server) {
        return new Key(client, server.getAddress(), server.getPort());
    }
}
