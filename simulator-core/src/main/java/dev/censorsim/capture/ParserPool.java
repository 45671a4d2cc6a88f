package dev.censorsim.capture;

import dev.censorsim.classify.HttpHostParser;
import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.TlsClientHelloParser;

/**
 * The TLS and HTTP parsers for TCP flows under inspection, reused across flows: a flow borrows a slot when its first
 * client byte arrives and returns it when decided, so the number of parsers (and their buffers) follows the flows
 * inspected at the same moment, not the flows in the table. Parsers are created on first use of a slot and reset, not
 * freed, on return. Not thread-safe.
 */
final class ParserPool {

    /** Returned by {@link #acquire} when every slot is taken. */
    static final int NONE = -1;
    static final byte TLS = 1;
    static final byte HTTP = 2;
    private static final byte IDLE = 0;

    private final InspectionSettings inspection;
    private final TlsClientHelloParser[] tls;
    private final HttpHostParser[] http;
    private final byte[] kinds;
    private final int[] inspectedBytes;
    private final int[] free;
    private int freeCount;
    private int highWater;
    private long shortfalls;

    /** @param capacity the most flows under inspection at once */
    ParserPool(int capacity, InspectionSettings inspection) {
        if (capacity < 1) {
            throw new IllegalArgumentException("maxInspectors must be positive, was " + capacity);
        }
        this.inspection = inspection;
        this.tls = new TlsClientHelloParser[capacity];
        this.http = new HttpHostParser[capacity];
        this.kinds = new byte[capacity];
        this.inspectedBytes = new int[capacity];
        this.free = new int[capacity];
    }

    /** A slot armed for {@code kind} ({@link #TLS} or {@link #HTTP}), or {@link #NONE} (counted) when all are busy. */
    int acquire(byte kind) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else if (highWater < kinds.length) {
            slot = highWater++;
            int limit = Math.min(inspection.maxBytes(), TlsClientHelloParser.MAX_HANDSHAKE_BYTES);
            tls[slot] = new TlsClientHelloParser(Math.max(64, limit));
            http[slot] = new HttpHostParser(inspection.maxBytes());
        } else {
            shortfalls++;
            return NONE;
        }
        kinds[slot] = kind;
        inspectedBytes[slot] = 0;
        return slot;
    }

    /** Releases every slot in use and forgets the shortfall count; the parsers are kept for reuse. */
    void clear() {
        for (int slot = 0; slot < highWater; slot++) {
            if (kinds[slot] != IDLE) {
                release(slot);
            }
        }
        shortfalls = 0;
    }

    /** Resets the slot's parser and makes the slot available again. */
    void release(int slot) {
        if (kinds[slot] == TLS) {
            tls[slot].reset();
        } else {
            http[slot].reset();
        }
        kinds[slot] = IDLE;
        free[freeCount++] = slot;
    }

    byte kind(int slot) {
        return kinds[slot];
    }

    TlsClientHelloParser tls(int slot) {
        return tls[slot];
    }

    HttpHostParser http(int slot) {
        return http[slot];
    }

    /**
     * Counts up to {@code length} more bytes against the slot's {@link InspectionSettings#maxBytes()} budget and
     * returns how many may be offered.
     */
    int take(int slot, int length) {
        int offered = Math.min(length, inspection.maxBytes() - inspectedBytes[slot]);
        inspectedBytes[slot] += offered;
        return offered;
    }

    /** Whether the slot has used its whole byte budget. */
    boolean exhausted(int slot) {
        return inspectedBytes[slot] >= inspection.maxBytes();
    }

    /** Flows that found every slot busy. */
    long shortfalls() {
        return shortfalls;
    }
}
