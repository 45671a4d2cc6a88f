package dev.censorsim.trace;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a classic libpcap file (little-endian, microsecond timestamps, Ethernet link type), the format every tool
 * reads. Layout as in {@code dev.censorsim.capture.PcapReader}. Not thread-safe.
 */
public final class PcapWriter implements Closeable {

    public static final int SNAP_LENGTH = 262_144;
    private static final int LINK_TYPE_ETHERNET = 1;

    private final OutputStream out;
    private final byte[] header = new byte[16];
    private long packets;
    private long bytes;

    /** Writes the file header at once; the stream is closed by {@link #close()}. */
    public PcapWriter(OutputStream out) throws IOException {
        this.out = out;
        byte[] file = new byte[24];
        putIntLe(file, 0, 0xa1b2c3d4);
        putShortLe(file, 4, 2);
        putShortLe(file, 6, 4);
        putIntLe(file, 16, SNAP_LENGTH);
        putIntLe(file, 20, LINK_TYPE_ETHERNET);
        out.write(file);
    }

    /** Appends one frame captured at {@code timestampNanos} since the epoch. */
    public void write(long timestampNanos, byte[] frame) throws IOException {
        write(timestampNanos, frame, frame.length);
    }

    /** Appends a record of which only the first {@code captured} bytes of the frame were captured (a snaplen cut). */
    public void write(long timestampNanos, byte[] frame, int captured) throws IOException {
        long micros = timestampNanos / 1_000;
        putIntLe(header, 0, (int) (micros / 1_000_000));
        putIntLe(header, 4, (int) (micros % 1_000_000));
        putIntLe(header, 8, captured);
        putIntLe(header, 12, frame.length);
        out.write(header);
        out.write(frame, 0, captured);
        packets++;
        bytes += frame.length;
    }

    public long packets() {
        return packets;
    }

    /** Bytes on the wire of the frames written. */
    public long bytes() {
        return bytes;
    }

    /** Pushes buffered records to the stream's destination. */
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private static void putIntLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static void putShortLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }
}
