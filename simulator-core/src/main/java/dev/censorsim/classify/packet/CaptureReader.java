package dev.censorsim.classify.packet;

import io.netty.buffer.ByteBuf;

/**
 * The cursor state and accessors every capture format shares: the current record's position in the mapped file, its
 * lengths, timestamp and link type, and how reading stopped. Subclasses parse their own headers in {@link #next()}.
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
    protected int originalLength;
    protected long timestampNanos;
    protected int linkType;
    private long truncated;
    private String problem;

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

    protected final int readInt(int index) {
        return littleEndian ? buffer.getIntLE(index) : buffer.getInt(index);
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
    public final int originalLength() {
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
