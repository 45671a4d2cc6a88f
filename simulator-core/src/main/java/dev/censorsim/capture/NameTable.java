package dev.censorsim.capture;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Interns host names seen on the wire (SNI, HTTP Host, DNS query names) as dense int ids, so the per-flow state stays
 * a primitive array and a name seen before costs no allocation: lookup hashes and compares the bytes in place. Only a
 * name's first sighting copies it and builds its {@code String}. Open addressing with linear probing over a power-of-two
 * slot array; {@link #NONE} is both the empty-slot sentinel and the "no name" id. Bounded: once {@code maxNames} are
 * held, unknown names get {@link #NONE} and are counted in {@link #overflows()}. Not thread-safe.
 */
public final class NameTable {

    /** No name; also what a full table answers for a new name. */
    public static final int NONE = -1;

    private final int maxNames;
    private final int mask;
    private final int[] slots;
    private final int[] hashes;
    private byte[] arena = new byte[4096];
    private int[] offsets;
    private final String[] strings;
    private int size;
    private int arenaFill;
    private long overflows;

    /** @param maxNames the most distinct names kept, 1..2^24 */
    public NameTable(int maxNames) {
        if (maxNames < 1 || maxNames > 1 << 24) {
            throw new IllegalArgumentException("maxNames must be within 1..16777216, was " + maxNames);
        }
        this.maxNames = maxNames;
        int capacity = Integer.highestOneBit(maxNames * 2 - 1) << 1;
        this.mask = capacity - 1;
        this.slots = new int[capacity];
        this.hashes = new int[capacity];
        Arrays.fill(slots, NONE);
        this.offsets = new int[Math.min(maxNames, 1024) + 1];
        this.strings = new String[maxNames];
    }

    /** The id of {@code bytes[offset, offset + length)} (ASCII), adding it when new; {@link #NONE} when full. */
    public int intern(byte[] bytes, int offset, int length) {
        int hash = 0x811c9dc5;
        for (int i = offset, end = offset + length; i < end; i++) {
            hash = (hash ^ (bytes[i] & 0xff)) * 0x01000193;
        }
        hash ^= hash >>> 16;
        int index = hash & mask;
        int id;
        while ((id = slots[index]) != NONE) {
            if (hashes[index] == hash && equalsAt(id, bytes, offset, length)) {
                return id;
            }
            index = (index + 1) & mask;
        }
        return insertSlowPath(index, hash, bytes, offset, length);
    }

    private boolean equalsAt(int id, byte[] bytes, int offset, int length) {
        int start = offsets[id];
        return offsets[id + 1] - start == length
                && Arrays.equals(arena, start, start + length, bytes, offset, offset + length);
    }

    private int insertSlowPath(int index, int hash, byte[] bytes, int offset, int length) {
        if (size == maxNames) {
            overflows++;
            return NONE;
        }
        if (arenaFill + length > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(arena.length * 2, arenaFill + length));
        }
        if (size + 2 > offsets.length) {
            offsets = Arrays.copyOf(offsets, Math.min(maxNames + 1, offsets.length * 2));
        }
        int id = size++;
        System.arraycopy(bytes, offset, arena, arenaFill, length);
        offsets[id] = arenaFill;
        arenaFill += length;
        offsets[id + 1] = arenaFill;
        strings[id] = new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        slots[index] = id;
        hashes[index] = hash;
        return id;
    }

    /**
     * Forgets every name, as if the table were new, reusing its arrays. Each name's slot is found again by probing
     * and emptied, newest first: a name's probe run only holds names inserted before it, so they are all still in
     * place when it is looked for. That costs one probe per name, not a pass over all slots (2^19 for the
     * classifier's table, which dominated the cost of a fresh classifier per fuzz input).
     */
    public void clear() {
        for (int id = size - 1; id >= 0; id--) {
            int start = offsets[id];
            int hash = 0x811c9dc5;
            for (int i = start, end = offsets[id + 1]; i < end; i++) {
                hash = (hash ^ (arena[i] & 0xff)) * 0x01000193;
            }
            hash ^= hash >>> 16;
            int index = hash & mask;
            while (slots[index] != id) {
                index = (index + 1) & mask;
            }
            slots[index] = NONE;
            strings[id] = null;
        }
        size = 0;
        arenaFill = 0;
        overflows = 0;
    }

    /** The name for an id, or {@code null} for {@link #NONE}. */
    public String name(int id) {
        return id == NONE ? null : strings[id];
    }

    public int size() {
        return size;
    }

    /** New names refused because the table was full. */
    public long overflows() {
        return overflows;
    }
}
