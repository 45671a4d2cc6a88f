package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
 *
 * <p>A capture file is mapped in windows ({@link #slide(int)}): one mapping, and a {@code ByteBuf}, hold at most
 * 2 GiB, and {@code trace generate --flows 100000} writes 2.24 GB. Positions are indexes into the current window;
 * when a record (or its header) runs past the window's end and the file goes on, the next window is mapped starting
 * at that record, so no record ever straddles two windows and the parsers never see a window edge.
 */
abstract class CaptureReader implements PacketReader {

    /** The current window of the capture: the whole capture when it is in memory or fits one window. */
    protected ByteBuf buffer;
    /** One past the window's last byte. */
    protected int end;
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

    /** The mapped file, or {@code null} for a capture in memory (one window, never moved). */
    private final Path file;
    private final long fileSize;
    private final int windowBytes;
    /** File offset of the window's index 0. */
    private long windowBase;

    CaptureReader(ByteBuf buffer) {
        this.buffer = buffer;
        this.end = buffer.writerIndex();
        this.file = null;
        this.fileSize = end;
        this.windowBytes = end;
    }

    /**
     * Maps the first window of {@code file}.
     *
     * @param windowBytes the most bytes mapped at once (a record longer than that gets a window of its own length)
     */
    CaptureReader(Path file, long fileSize, int windowBytes) throws IOException {
        if (windowBytes < 1) {
            throw new IllegalArgumentException("windowBytes must be positive, was " + windowBytes);
        }
        this.file = file;
        this.fileSize = fileSize;
        this.windowBytes = windowBytes;
        this.buffer = mapWindow(0, (int) Math.min(fileSize, windowBytes));
        this.end = buffer.writerIndex();
    }

    private ByteBuf mapWindow(long from, int length) throws IOException {
        // Reopened for each window (a few per GiB): a reader holds no file descriptor, and needs no close. A mapping
        // stays valid after its channel is closed, and is unmapped when its buffer is collected.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return Unpooled.wrappedBuffer(channel.map(FileChannel.MapMode.READ_ONLY, from, length));
        }
    }

    /**
     * Makes the {@code needed} bytes from {@link #position} readable: when the window ends before them and the file
     * goes on, maps the next window starting at {@link #position} (then 0); otherwise leaves everything as it is.
     * Callers re-read {@link #position} and {@link #end} after the call, and stop when {@link #problem()} is set (the
     * file could not be mapped).
     */
    protected final void slide(int needed) {
        if (file == null || end - position >= needed || windowBase + end >= fileSize) {
            return;
        }
        long from = windowBase + position;
        int length = (int) Math.min(fileSize - from, Math.max(windowBytes, needed));
        try {
            buffer = mapWindow(from, length);
        } catch (IOException e) {
            stop("cannot map the capture from byte " + from + ": " + e.getMessage());
            return;
        }
        windowBase = from;
        end = buffer.writerIndex();
        position = 0;
        readAheadTo = 0;
    }

    /** The file offset of index {@code at} of the current window, for messages. */
    protected final long fileOffset(int at) {
        return windowBase + at;
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
