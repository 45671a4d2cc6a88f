package dev.censorsim.capture;

import java.util.Arrays;

/**
 * Bidirectional 5-tuple flow table: maps (address, port, address, port, transport) in either direction to a dense
 * flow id in {@code [0, maxFlows)}, so per-flow state can live in plain arrays indexed by that id.
 *
 * <p>Primitive open addressing: a power-of-two slot array at most half full, each slot one {@code long} holding the
 * key's hash and the flow id ({@code -1} is the empty sentinel), a mask, linear probing; deletion shifts the following
 * run back (Knuth 6.4 algorithm R) so there are no tombstones and lookups never degrade under churn. Keys live in one
 * {@code long[]} with a 64-byte stride per flow id (addresses, ports and transport, timestamps), stored in the
 * direction of the flow's first packet, so a match also says which way a packet goes and a hit costs about two cache
 * lines: its slot and its flow line. The hash is symmetric in the two
 * endpoints. IPv4 addresses are stored as IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}), so one layout serves both.
 *
 * <p>The table holds at most {@code maxFlows}; when full, flows idle longer than the timeout are evicted first, and a
 * packet of a new flow that still finds no room is refused ({@link #NO_FLOW}). Nothing is allocated after
 * construction. Not thread-safe.
 */
public final class FlowTable {

    /** Returned by {@link #lookupOrInsert} when the table is full of live flows. */
    public static final int NO_FLOW = -1;
    /** IPv4-mapped IPv6 prefix (RFC 4291 §2.5.5.2) in the low word: {@code ::ffff:0:0/96}. */
    public static final long IPV4_MAPPED_PREFIX = 0x0000_ffff_0000_0000L;

    /** Told about each flow just before its id is recycled. */
    @FunctionalInterface
    public interface EvictionListener {
        void onEvict(int flowId);
    }

    /** Longs per flow in {@link #flows}: one 64-byte line, so a hit touches one slot and (mostly) one line. */
    private static final int STRIDE = 8;
    private static final int SRC_HIGH = 0;
    private static final int SRC_LOW = 1;
    private static final int DST_HIGH = 2;
    private static final int DST_LOW = 3;
    /** srcPort << 32 | dstPort << 16 | transport << 8 | live. */
    private static final int META = 4;
    private static final int LAST_SEEN = 5;
    private static final int FIRST_SEEN = 6;
    private static final int HASH = 7;
    private static final long LIVE = 1;

    private final int maxFlows;
    private final int mask;
    /** Per slot: hash << 32 | flow id, or {@link #EMPTY_SLOT}; hash and id in one word so a probe is one load. */
    private final long[] slots;
    private final long[] flows;

    private final int[] freeIds;
    private int freeCount;
    private int highWater;
    private int size;
    private long evictions;
    private long refusals;

    private boolean lastForward;
    private boolean lastNew;

    private static final long EMPTY_SLOT = -1L;

    /** @param maxFlows the most concurrent flows, 1..2^26 */
    public FlowTable(int maxFlows) {
        if (maxFlows < 1 || maxFlows > 1 << 26) {
            throw new IllegalArgumentException("maxFlows must be within 1..67108864, was " + maxFlows);
        }
        this.maxFlows = maxFlows;
        // At most half full keeps linear-probing runs short (expected ~1.5 probes for a hit).
        int capacity = Integer.highestOneBit(Math.max(2, maxFlows) * 2 - 1) << 1;
        this.mask = capacity - 1;
        this.slots = new long[capacity];
        Arrays.fill(slots, EMPTY_SLOT);
        this.flows = new long[maxFlows * STRIDE];
        this.freeIds = new int[maxFlows];
    }

    private static long meta(int sPort, int dPort, int transport) {
        return (long) sPort << 32 | (long) dPort << 16 | (long) (transport & 0xff) << 8 | LIVE;
    }

    /**
     * Finds the flow a packet belongs to, creating it when new. After the call, {@link #lastWasForward()} says whether
     * the packet travels in the direction of the flow's first packet and {@link #lastWasNew()} whether it created the
     * flow. Same as {@link #lookup} then, on a miss, {@link #insert}.
     *
     * @param idleTimeoutNanos when the table is full, flows idle this long are evicted to make room
     * @param listener         told about each flow so evicted
     * @return the flow id, or {@link #NO_FLOW} when the table is full of flows that are not idle
     */
    public int lookupOrInsert(long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort, int transport,
                              long nowNanos, long idleTimeoutNanos, EvictionListener listener) {
        int found = lookup(sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos);
        if (found >= 0) {
            return found;
        }
        return insert(found, sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos, idleTimeoutNanos, listener);
    }

    /**
     * Finds an existing flow, in either direction, and marks it seen at {@code nowNanos}; sets
     * {@link #lastWasForward()}. Kept apart from {@link #insert} so that the per-packet path is small enough for C2 to
     * inline into its caller whatever the compilation order: with the insertion in the same method, its compiled code
     * exceeded {@code InlineSmallCode} and stayed a call in some JVM runs and not in others.
     *
     * @return the flow id, or a negative value to hand to {@link #insert} (it encodes where the probe ended)
     */
    public int lookup(long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort, int transport,
                      long nowNanos) {
        final int hash = hash(sHigh, sLow, sPort, dHigh, dLow, dPort, transport);
        final long[] slots = this.slots;
        final long[] flows = this.flows;
        final int mask = this.mask;
        int index = hash & mask;
        long slot;
        while ((slot = slots[index]) != EMPTY_SLOT) {
            if ((int) (slot >>> 32) == hash) {
                int base = (int) slot * STRIDE;
                long meta = flows[base + META];
                if (meta == meta(sPort, dPort, transport) && flows[base + SRC_LOW] == sLow
                        && flows[base + DST_LOW] == dLow && flows[base + SRC_HIGH] == sHigh
                        && flows[base + DST_HIGH] == dHigh) {
                    return touch((int) slot, true, nowNanos);
                }
                if (meta == meta(dPort, sPort, transport) && flows[base + SRC_LOW] == dLow
                        && flows[base + DST_LOW] == sLow && flows[base + SRC_HIGH] == dHigh
                        && flows[base + DST_HIGH] == sHigh) {
                    return touch((int) slot, false, nowNanos);
                }
            }
            index = (index + 1) & mask;
        }
        return -1 - index;
    }

    /**
     * Creates the flow {@link #lookup} just missed (same key, no other change to the table in between), evicting idle
     * flows first when the table is full; sets {@link #lastWasNew()} and {@link #lastWasForward()}.
     *
     * @param missed what {@link #lookup} returned
     * @return the new flow id, or {@link #NO_FLOW} when the table is full of flows that are not idle
     */
    public int insert(int missed, long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort, int transport,
                      long nowNanos, long idleTimeoutNanos, EvictionListener listener) {
        if (size == maxFlows) {
            return insertWhenFullSlowPath(sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos,
                    idleTimeoutNanos, listener);
        }
        int hash = hash(sHigh, sLow, sPort, dHigh, dLow, dPort, transport);
        return insertAt(-1 - missed, hash, sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos);
    }

    private int touch(int id, boolean forward, long nowNanos) {
        flows[id * STRIDE + LAST_SEEN] = nowNanos;
        lastForward = forward;
        lastNew = false;
        return id;
    }

    private int insertWhenFullSlowPath(long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort,
                                       int transport, long nowNanos, long idleTimeoutNanos,
                                       EvictionListener listener) {
        evictIdle(nowNanos, idleTimeoutNanos, listener);
        if (size == maxFlows) {
            refusals++;
            return NO_FLOW;
        }
        // Eviction shifted slots, so probe again for the free slot.
        int hash = hash(sHigh, sLow, sPort, dHigh, dLow, dPort, transport);
        int index = hash & mask;
        while (slots[index] != EMPTY_SLOT) {
            index = (index + 1) & mask;
        }
        return insertAt(index, hash, sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos);
    }

    private int insertAt(int index, int hash, long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort,
                         int transport, long nowNanos) {
        int id = freeCount > 0 ? freeIds[--freeCount] : highWater++;
        slots[index] = (long) hash << 32 | id;
        int base = id * STRIDE;
        flows[base + SRC_HIGH] = sHigh;
        flows[base + SRC_LOW] = sLow;
        flows[base + DST_HIGH] = dHigh;
        flows[base + DST_LOW] = dLow;
        flows[base + META] = meta(sPort, dPort, transport);
        flows[base + LAST_SEEN] = nowNanos;
        flows[base + FIRST_SEEN] = nowNanos;
        flows[base + HASH] = hash;
        size++;
        lastForward = true;
        lastNew = true;
        return id;
    }

    /**
     * Evicts every flow whose last packet is more than {@code idleTimeoutNanos} before {@code nowNanos}, telling the
     * listener first. Costs one pass over the flow ids in use.
     *
     * @return the number of flows evicted
     */
    public int evictIdle(long nowNanos, long idleTimeoutNanos, EvictionListener listener) {
        int evicted = 0;
        final int limit = highWater;
        for (int id = 0; id < limit; id++) {
            if (isLive(id) && nowNanos - flows[id * STRIDE + LAST_SEEN] > idleTimeoutNanos) {
                listener.onEvict(id);
                remove(id);
                evicted++;
            }
        }
        evictions += evicted;
        return evicted;
    }

    /** Tells the listener about every live flow and empties the table (end of capture). */
    public void drain(EvictionListener listener) {
        final int limit = highWater;
        for (int id = 0; id < limit; id++) {
            if (isLive(id)) {
                listener.onEvict(id);
                remove(id);
            }
        }
    }

    /** Removes one flow by id; its id becomes reusable. No effect for an id not in use. */
    public void remove(int id) {
        if (!isLive(id)) {
            return;
        }
        int base = id * STRIDE;
        int index = (int) flows[base + HASH] & mask;
        while ((int) slots[index] != id) {
            index = (index + 1) & mask;
        }
        deleteSlot(index);
        flows[base + META] = 0;
        freeIds[freeCount++] = id;
        size--;
    }

    /**
     * Forgets every flow without telling any listener, as if the table were new, reusing its arrays: for a
     * classifier reused across independent inputs. Costs one pass over the ids used and one over the slots.
     */
    public void clear() {
        for (int id = 0; id < highWater; id++) {
            flows[id * STRIDE + META] = 0;
        }
        Arrays.fill(slots, EMPTY_SLOT);
        freeCount = 0;
        highWater = 0;
        size = 0;
        evictions = 0;
        refusals = 0;
        lastForward = false;
        lastNew = false;
    }

    /** Backward-shift deletion: pulls later entries of the run into the hole unless that would skip their home. */
    private void deleteSlot(int hole) {
        int index = hole;
        while (true) {
            index = (index + 1) & mask;
            long slot = slots[index];
            if (slot == EMPTY_SLOT) {
                break;
            }
            int home = (int) (slot >>> 32) & mask;
            // Move the entry back when its home is not cyclically within (hole, index].
            if (((index - home) & mask) >= ((index - hole) & mask)) {
                slots[hole] = slot;
                hole = index;
            }
        }
        slots[hole] = EMPTY_SLOT;
    }

    /**
     * Symmetric in the two endpoints, so both directions of a flow land on the same home slot: each endpoint folds into
     * one word, the two words are ordered (branch-free min/max, so only the same pair of endpoints gives the same
     * input, unlike a sum or XOR of the two) and one fmix64 (MurmurHash3) spreads sequential addresses and ports.
     * One mix instead of one per endpoint plus one to combine: the hash sits on every packet's critical path.
     */
    static int hash(long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort, int transport) {
        long a = sHigh * 0x9e3779b97f4a7c15L ^ sLow ^ ((long) sPort << 48);
        long b = dHigh * 0x9e3779b97f4a7c15L ^ dLow ^ ((long) dPort << 48);
        long low = Math.min(a, b);
        long high = Math.max(a, b);
        long h = mix(low * 0xc2b2ae3d27d4eb4fL + high + transport);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** Whether the last {@link #lookupOrInsert} packet travels in its flow's first-packet direction. */
    public boolean lastWasForward() {
        return lastForward;
    }

    /** Whether the last {@link #lookupOrInsert} created its flow. */
    public boolean lastWasNew() {
        return lastNew;
    }

    public int size() {
        return size;
    }

    public int maxFlows() {
        return maxFlows;
    }

    /** Slots in the open-addressing array (a power of two, at least twice {@link #maxFlows()}). */
    public int capacity() {
        return mask + 1;
    }

    public long evictions() {
        return evictions;
    }

    /** New flows turned away because the table was full of live flows. */
    public long refusals() {
        return refusals;
    }

    public boolean isLive(int id) {
        return id >= 0 && id < highWater && (flows[id * STRIDE + META] & LIVE) != 0;
    }

    /** High word of the first packet's source address. */
    public long sourceHigh(int id) {
        return flows[id * STRIDE + SRC_HIGH];
    }

    public long sourceLow(int id) {
        return flows[id * STRIDE + SRC_LOW];
    }

    public long destinationHigh(int id) {
        return flows[id * STRIDE + DST_HIGH];
    }

    public long destinationLow(int id) {
        return flows[id * STRIDE + DST_LOW];
    }

    public int sourcePort(int id) {
        return (int) (flows[id * STRIDE + META] >>> 32) & 0xffff;
    }

    public int destinationPort(int id) {
        return (int) (flows[id * STRIDE + META] >>> 16) & 0xffff;
    }

    /** IP protocol number: 6 TCP, 17 UDP. */
    public int transport(int id) {
        return (int) (flows[id * STRIDE + META] >>> 8) & 0xff;
    }

    public long firstSeenNanos(int id) {
        return flows[id * STRIDE + FIRST_SEEN];
    }

    public long lastSeenNanos(int id) {
        return flows[id * STRIDE + LAST_SEEN];
    }

    /** Whether a 128-bit address (high, low) is an IPv4-mapped address. */
    public static boolean isIpv4(long high, long low) {
        return high == 0 && (low & 0xffff_ffff_0000_0000L) == IPV4_MAPPED_PREFIX;
    }

    /** The mapped form of an IPv4 address given as a big-endian int: the low word (the high word is 0). */
    public static long mapIpv4(int address) {
        return IPV4_MAPPED_PREFIX | (address & 0xffffffffL);
    }
}
