package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * A cursor over the packet records of a capture, each one a slice of one shared {@link #buffer()}: {@link #next()}
 * moves to the next record and the accessors describe it. Nothing is allocated per record. Not thread-safe.
 *
 * <p>A record that is cut short by the end of the file, or whose lengths are impossible, ends the iteration; it is
 * counted in {@link #truncatedRecords()} and described by {@link #problem()}, never thrown.
 */
public interface PacketReader {

    /** Moves to the next packet record; false at the end of the capture or at the first unreadable record. */
    boolean next();

    /** The buffer every record is a slice of (the memory-mapped file). */
    ByteBuf buffer();

    /** Index of the current packet's first byte in {@link #buffer()}. */
    int offset();

    /** Bytes captured for the current packet. */
    int capturedLength();

    /**
     * Bytes the packet had on the wire (at least {@link #capturedLength()} for a sane capture): the file's unsigned
     * 32-bit field, so a {@code long}; read as an {@code int}, 0xffffffff counted as -1 and totals went negative.
     */
    long originalLength();

    /** Capture time of the current packet, nanoseconds since the Unix epoch. */
    long timestampNanos();

    /** The libpcap link type of the current packet (see {@link LinkType}). */
    int linkType();

    /** Records skipped or cut short: a corrupt tail, a truncated file. */
    long truncatedRecords();

    /** Why iteration stopped early, or {@code null} when the capture ended cleanly. */
    String problem();
}
