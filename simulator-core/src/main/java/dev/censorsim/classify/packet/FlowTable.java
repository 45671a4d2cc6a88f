package dev.censorsim.classify.packet;

import java.util.Arrays;

/**
 * Bidirectional 5-tuple flow table: maps (address, port, address, port, transport) in either direction to a dense
 * flow id in {@code [0, maxFlows)}, so per-flow state can live in plain arrays indexed by that id.
 *
 * <p>Primitive open addressing: a power-of-two slot array of flow ids at most half full, a mask, linear probing, and
 * {@link #EMPTY} as the sentinel; deletion shifts the following run back (Knuth 6.4 algorithm R) so there are no
 * tombstones and lookups never degrade under churn. Keys live in parallel arrays indexed by flow id, stored in the
 * direction of the flow's first packet, so a match also says which way a packet goes. The hash is symmetric in the two
 * endpoints. IPv4 addresses are stored as IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}), so one layout serves both.
 *
 * <p>The table holds at most {@code maxFlows}; when full, flows idle longer than the timeout are evicted first, and a
 * packet of a new flow that still finds no room is refused ({@link #NO_FLOW}). Nothing is allocated after
 * construction. Not thread-safe.
 */
public final class FlowTable {

    /** Returned by {@link #lookupOrInsert} when the table is full of live flows. */
    public static final int NO_FLOW = -1;
    /** Slot sentinel: no flow. */
    public static final int EMPTY = -1;
    /** IPv4-mapped IPv6 prefix (RFC 4291 §2.5.5.2) in the low word: {@code ::ffff:0:0/96}. */
    public static final long IPV4_MAPPED_PREFIX = 0x0000_ffff_0000_0000L;

    /** Told about each flow just before its id is recycled. */
    @FunctionalInterface
    public interface EvictionListener {
        void onEvict(int flowId);
    }

    private final int maxFlows;
    private final int mask;
    private final int[] slots;
    private final int[] slotHashes;

    private final long[] srcHigh;
    private final long[] srcLow;
    private final long[] dstHigh;
    private final long[] dstLow;
    /** srcPort << 16 | dstPort, in the first packet's direction. */
    private final int[] ports;
    private final byte[] transports;
    private final int[] hashes;
    private final long[] firstSeen;
    private final long[] lastSeen;
    private final boolean[] live;

    private final int[] freeIds;
    private int freeCount;
    private int highWater;
    private int size;
    private long evictions;
    private long refusals;

    private boolean lastForward;
    private boolean lastNew;

    /** @param maxFlows the most concurrent flows, 1..2^28 */
    public FlowTable(int maxFlows) {
        if (maxFlows < 1 || maxFlows > 1 << 28) {
            throw new IllegalArgumentException("maxFlows must be within 1..268435456, was " + maxFlows);
        }
        this.maxFlows = maxFlows;
        // At most half full keeps linear-probing runs short (expected ~1.5 probes for a hit).
        int capacity = Integer.highestOneBit(Math.max(2, maxFlows) * 2 - 1) << 1;
        this.mask = capacity - 1;
        this.slots = new int[capacity];
        this.slotHashes = new int[capacity];
        Arrays.fill(slots, EMPTY);
        this.srcHigh = new long[maxFlows];
        this.srcLow = new long[maxFlows];
        this.dstHigh = new long[maxFlows];
        this.dstLow = new long[maxFlows];
        this.ports = new int[maxFlows];
        this.transports = new byte[maxFlows];
        this.hashes = new int[maxFlows];
        this.firstSeen = new long[maxFlows];
        this.lastSeen = new long[maxFlows];
        this.live = new boolean[maxFlows];
        this.freeIds = new int[maxFlows];
    }

    /**
     * Finds the flow a packet belongs to, creating it when new. After the call, {@link #lastWasForward()} says whether
     * the packet travels in the direction of the flow's first packet and {@link #lastWasNew()} whether it created the
     * flow.
     *
     * @param idleTimeoutNanos when the table is full, flows idle this long are evicted to make room
     * @param listener         told about each flow so evicted
     * @return the flow id, or {@link #NO_FLOW} when the table is full of flows that are not idle
     */
    public int lookupOrInsert(long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort, int transport,
                              long nowNanos, long idleTimeoutNanos, EvictionListener listener) {
        final int hash = hash(sHigh, sLow, sPort, dHigh, dLow, dPort, transport);
        final int[] slots = this.slots;
        final int mask = this.mask;
        final int portPair = sPort << 16 | dPort;
        final int reversePair = dPort << 16 | sPort;
        int index = hash & mask;
        int id;
        while ((id = slots[index]) != EMPTY) {
            if (slotHashes[index] == hash && transports[id] == (byte) transport) {
                if (ports[id] == portPair && srcLow[id] == sLow && dstLow[id] == dLow && srcHigh[id] == sHigh
                        && dstHigh[id] == dHigh) {
                    return touch(id, true, nowNanos);
                }
                if (ports[id] == reversePair && srcLow[id] == dLow && dstLow[id] == sLow && srcHigh[id] == dHigh
                        && dstHigh[id] == sHigh) {
                    return touch(id, false, nowNanos);
                }
            }
            index = (index + 1) & mask;
        }
        if (size == maxFlows) {
            return insertWhenFullSlowPath(sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos,
                    idleTimeoutNanos, listener);
        }
        return insertAt(index, hash, sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos);
    }

    private int touch(int id, boolean forward, long nowNanos) {
        lastSeen[id] = nowNanos;
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
        while (slots[index] != EMPTY) {
            index = (index + 1) & mask;
        }
        return insertAt(index, hash, sHigh, sLow, sPort, dHigh, dLow, dPort, transport, nowNanos);
    }

    private int insertAt(int index, int hash, long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort,
                         int transport, long nowNanos) {
        int id = freeCount > 0 ? freeIds[--freeCount] : highWater++;
        slots[index] = id;
        slotHashes[index] = hash;
        srcHigh[id] = sHigh;
        srcLow[id] = sLow;
        dstHigh[id] = dHigh;
        dstLow[id] = dLow;
        ports[id] = sPort << 16 | dPort;
        transports[id] = (byte) transport;
        hashes[id] = hash;
        firstSeen[id] = nowNanos;
        lastSeen[id] = nowNanos;
        live[id] = true;
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
            if (live[id] && nowNanos - lastSeen[id] > idleTimeoutNanos) {
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
            if (live[id]) {
                listener.onEvict(id);
                remove(id);
            }
        }
    }

    /** Removes one flow by id; its id becomes reusable. No effect for an id not in use. */
    public void remove(int id) {
        if (id < 0 || id >= highWater || !live[id]) {
            return;
        }
        int index = hashes[id] & mask;
        while (slots[index] != id) {
            index = (index + 1) & mask;
        }
        deleteSlot(index);
        live[id] = false;
        freeIds[freeCount++] = id;
        size--;
    }

    /** Backward-shift deletion: pulls later entries of the run into the hole unless that would skip their home. */
    private void deleteSlot(int hole) {
        int index = hole;
        while (true) {
            index = (index + 1) & mask;
            int id = slots[index];
            if (id == EMPTY) {
                break;
            }
            int home = slotHashes[index] & mask;
            // Move the entry back when its home is not cyclically within (hole, index].
            if (((index - home) & mask) >= ((index - hole) & mask)) {
                slots[hole] = id;
                slotHashes[hole] = slotHashes[index];
                hole = index;
            }
        }
        slots[hole] = EMPTY;
    }

    /**
     * Symmetric in the two endpoints, so both directions of a flow land on the same home slot; fmix64-style mixing
     * (MurmurHash3) so sequential addresses and ports spread.
     */
    static int hash(long sHigh, long sLow, int sPort, long dHigh, long dLow, int dPort, int transport) {
        long a = mix(sHigh * 0x9e3779b97f4a7c15L ^ sLow ^ ((long) sPort << 48));
        long b = mix(dHigh * 0x9e3779b97f4a7c15L ^ dLow ^ ((long) dPort << 48));
        long h = mix((a + b) ^ transport);
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
        return id >= 0 && id < highWater && live[id];
    }

    /** High word of the first packet's source address. */
    public long sourceHigh(int id) {
        return srcHigh[id];
    }

    public long sourceLow(int id) {
        return srcLow[id];
    }

    public long destinationHigh(int id) {
        return dstHigh[id];
    }

    public long destinationLow(int id) {
        return dstLow[id];
    }

    public int sourcePort(int id) {
        return ports[id] >>> 16;
    }

    public int destinationPort(int id) {
        return ports[id] & 0xffff;
    }

    /** IP protocol number: 6 TCP, 17 UDP. */
    public int transport(int id) {
        return transports[id] & 0xff;
    }

    public long firstSeenNanos(int id) {
        return firstSeen[id];
    }

    public long lastSeenNanos(int id) {
        return lastSeen[id];
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
