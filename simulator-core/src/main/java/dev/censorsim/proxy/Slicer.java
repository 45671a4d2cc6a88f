package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;

import java.util.SplittableRandom;

/**
 * Cuts one direction's chunks into segments of {@code average} plus or minus up to {@code variation} bytes, queued on
 * the delay line {@code gapNanos} apart and each flushed on its own, so the receiver sees many small reads (a
 * {@code slicer} action). Sizes come from recursive halving around the middle, as Toxiproxy's slicer does, so the
 * segments vary evenly with no short one bunched at either end. Event-loop confined.
 */
final class Slicer {

    private final int average;
    private final int variation;
    private final long gapNanos;
    private final SplittableRandom random;

    /** @param variation less than {@code average}, which keeps every cut strictly inside the range being cut */
    Slicer(int average, int variation, long gapNanos, long seed) {
        this.average = average;
        this.variation = variation;
        this.gapNanos = gapNanos;
        this.random = new SplittableRandom(seed);
    }

    /** Queues the segments of {@code chunk} on {@code line}; takes ownership of {@code chunk}. */
    void enqueue(ByteBuf chunk, DelayLine line) {
        try {
            split(chunk, chunk.readerIndex(), chunk.writerIndex(), line);
        } finally {
            chunk.release();
        }
    }

    private void split(ByteBuf chunk, int start, int end, DelayLine line) {
        if ((end - start) - average <= variation) {
            line.enqueue(chunk.retainedSlice(start, end - start), gapNanos, true);
            return;
        }
        // end - start > average + variation >= 2 * variation + 1, so half of it minus at most variation is > 0.
        int mid = start + (end - start) / 2;
        if (variation > 0) {
            mid += random.nextInt(variation * 2) - variation;
        }
        split(chunk, start, mid, line);
        split(chunk, mid, end, line);
    }
}
