package dev.censorsim.capture;

import dev.censorsim.classify.QuicCryptoStream;

/**
 * The {@link QuicCryptoStream}s of QUIC flows whose ClientHello spans several Initials, reused across flows: a flow
 * borrows one when its first Initial does not hold the whole ClientHello and returns it when decided (or evicted), so
 * memory follows the QUIC handshakes in progress at one moment, not the flows in the table. Streams are created on
 * first use of a slot and reset, not freed, on return. Not thread-safe.
 */
final class CryptoStreamPool {

    /** Returned by {@link #acquire} when every slot is taken. */
    static final int NONE = -1;

    private final QuicCryptoStream[] streams;
    private final int[] free;
    private int freeCount;
    private int highWater;
    private long shortfalls;

    /** @param capacity the most QUIC handshakes gathered at once */
    CryptoStreamPool(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.streams = new QuicCryptoStream[capacity];
        this.free = new int[capacity];
    }

    /** A reset stream's slot, or {@link #NONE} (counted) when all are busy. */
    int acquire() {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else if (highWater < streams.length) {
            slot = highWater++;
            streams[slot] = new QuicCryptoStream();
        } else {
            shortfalls++;
            return NONE;
        }
        streams[slot].reset();
        return slot;
    }

    /** Makes every slot free again and forgets the shortfall count; {@link #acquire} resets a stream before use. */
    void clear() {
        freeCount = 0;
        for (int slot = highWater - 1; slot >= 0; slot--) {
            free[freeCount++] = slot;
        }
        shortfalls = 0;
    }

    QuicCryptoStream stream(int slot) {
        return streams[slot];
    }

    void release(int slot) {
        free[freeCount++] = slot;
    }

    /** Flows that found every slot busy and were judged on their first Initial alone. */
    long shortfalls() {
        return shortfalls;
    }
}
