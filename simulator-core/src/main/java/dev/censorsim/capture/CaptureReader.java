package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * The cursor state and accessors every capture format shares: the current record's position in the mapped file, its
 * lengths, timestamp and link type, and how reading stopped. Subclasses parse their own headers in {@link #next()}.
 *
 * <p>Reads ahead in bulk ({@link #readAhead(int)}): each record's header says where the next one starts, so walking a
 * capture much larger than the caches is a chain of dependent cache misses, one or two per packet (about 100 ns each
 * on the project's box: 75 ms to walk the headers of a 730 K-packet, 448 MB trace). Sweeping the next 64 KiB once,
 * one load per cache line, lets the hardware prefetchers stream it at memory bandwidth instead (about 30 ms for the
 * whole file), and the records are then parsed from the L2 cache. The JDK has no prefetch instruction, so the sweep
 * loads and sums; the sum goes to a field so the JIT cannot drop the loads.
 */
abstract class CaptureReader implements PacketReader {

    protected final ByteBuf buffer;
    /** One past the file's last byte. */
    protected final int end;
    protected boolean littleEndian;

    /** Where the next record's header starts. */
    protected int position;
    protected int offset;
    protected int capturedLength;
    protected long originalLength;
    protected long timestampNanos;
    protected int linkType;
    private long truncated;
    private String problem;

    /** One sweep: well inside a 512 KiB L2, large enough that the sweep's loop overhead stays small. */
    private static final int READ_AHEAD_BYTES = 64 * 1024;
    /** A record's headers and the first client bytes lie within this much of its start; sweep before reaching it. */
    private static final int READ_AHEAD_MARGIN = 4096;
    /**
     * Every cache line: sweeping every other line and trusting the adjacent-line prefetcher left the record headers
     * missing L1 often enough to cost 10% of the loop on the project's AMD EPYC (JFR).
     */
    private static final int SWEEP_STRIDE = 64;
    /** Everything before this index has been swept into the cache. */
    private int readAheadTo;
    /** Sink for the sweep's loads; never read for its value. */
    private long swept;

    CaptureReader(ByteBuf buffer) {
        this.buffer = buffer;
        this.end = buffer.writerIndex();
    }

    /** Ends the read: counts the record that could not be read and keeps the reason. Always {@code false}. */
    protected final boolean stop(String why) {
        truncated++;
        problem = why;
        return false;
    }

    /** Counts a record that cannot be read but does not end the read (the next one may be fine). Always {@code false}. */
    protected final boolean skipRecord() {
        truncated++;
        return false;
    }

    /** Sweeps the next {@link #READ_AHEAD_BYTES} into the cache once the record at {@code at} nears the swept end. */
    protected final void readAhead(int at) {
        if (at + READ_AHEAD_MARGIN > readAheadTo) {
            readAheadSlowPath(at);
        }
    }

    private void readAheadSlowPath(int at) {
        final ByteBuf buffer = this.buffer;
        int from = Math.max(at, readAheadTo);
        int stop = (int) Math.min((long) end - Long.BYTES, (long) from + READ_AHEAD_BYTES);
        long sum = 0;
        for (int i = from; i <= stop; i += SWEEP_STRIDE) {
            sum += buffer.getLong(i);
        }
        swept += sum;
        readAheadTo = stop >= end - Long.BYTES ? end : stop;
    }

    protected final int readInt(int index) {
        // Not getIntLE: Netty's read-only Unsafe buffer (what a mapped file wraps into) overrides only the big-endian
        // accessors, so getIntLE would go through ByteBuffer and its memory-session checks on every record.
        int value = buffer.getInt(index);
        return littleEndian ? Integer.reverseBytes(value) : value;
    }

    @Override
    public final ByteBuf buffer() {
        return buffer;
    }

    @Override
    public final int offset() {
        return offset;
    }

    @Override
    public final int capturedLength() {
        return capturedLength;
    }

    @Override
    public final long originalLength() {
        return originalLength;
    }

    @Override
    public final long timestampNanos() {
        return timestampNanos;
    }

    @Override
    public final int linkType() {
        return linkType;
    }

    @Override
    public final long truncatedRecords() {
        return truncated;
    }

    @Override
    public final String problem() {
        return problem;
    }
}
