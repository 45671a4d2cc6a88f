package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link PacketReader} over a classic libpcap file, either byte order, microsecond or nanosecond timestamps.
 *
 * <p>Wire layout (draft-ietf-opsawg-pcap §4 and §5):
 * <pre>
 *   file header, 24 bytes:
 *     u32 magic               0xa1b2c3d4 (microseconds) or 0xa1b23c4d (nanoseconds), in the writer's byte order
 *     u16 major = 2, u16 minor = 4
 *     u32 reserved1, u32 reserved2
 *     u32 snaplen
 *     u32 link_type           low 16 bits; bits 28..31 are the FCS length, ignored
 *   each record:
 *     u32 ts_seconds, u32 ts_fraction (micro- or nanoseconds)
 *     u32 captured_length, u32 original_length
 *     u8  data[captured_length]
 * </pre>
 */
public final class PcapReader extends CaptureReader {

    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    public static final int FILE_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;

    private static final int SNAPLEN_OFFSET = 16;
    private static final int LINK_TYPE_OFFSET = 20;
    /** libpcap's own ceiling for a record (MAXIMUM_SNAPLEN); anything larger means a corrupt header. */
    private static final int MAX_RECORD_LENGTH = 262_144;

    private final long fractionToNanos;

    /**
     * @param buffer the whole file, from index 0 to its writer index
     * @throws CaptureFormatException when the file header is missing or not pcap 2.x
     */
    public PcapReader(ByteBuf buffer) throws CaptureFormatException {
        super(buffer);
        fractionToNanos = readFileHeader();
    }

    /** A reader over {@code file} mapped in windows of at most {@code windowBytes} (see {@link PacketReaders}). */
    PcapReader(Path file, long fileSize, int windowBytes) throws IOException, CaptureFormatException {
        super(file, fileSize, windowBytes);
        fractionToNanos = readFileHeader();
    }

    /** Checks the file header and reads its byte order and link type; returns nanoseconds per timestamp tick. */
    private long readFileHeader() throws CaptureFormatException {
        if (end < FILE_HEADER_LENGTH) {
            throw new CaptureFormatException("pcap file header truncated: " + end + " of 24 bytes");
        }
        int magic = buffer.getInt(0);
        int magicLe = buffer.getIntLE(0);
        if (magic == MAGIC_MICROS || magic == MAGIC_NANOS) {
            littleEndian = false;
        } else if (magicLe == MAGIC_MICROS || magicLe == MAGIC_NANOS) {
            littleEndian = true;
            magic = magicLe;
        } else {
            throw new CaptureFormatException(String.format("not a pcap file: magic 0x%08x", magic));
        }
        int major = littleEndian ? buffer.getUnsignedShortLE(4) : buffer.getUnsignedShort(4);
        if (major != 2) {
            throw new CaptureFormatException("unsupported pcap version " + major);
        }
        linkType = readInt(LINK_TYPE_OFFSET) & 0xffff;
        position = FILE_HEADER_LENGTH;
        return magic == MAGIC_NANOS ? 1 : 1000;
    }

    /** The snapshot length the capture declares. */
    public int snapLength() {
        return readInt(SNAPLEN_OFFSET);
    }

    @Override
    public boolean next() {
        if (problem() != null) {
            return false;
        }
        slide(RECORD_HEADER_LENGTH);
        int at = position;
        if (at == end || problem() != null) {
            return false;
        }
        readAhead(at);
        if (end - at < RECORD_HEADER_LENGTH) {
            return stop("record header cut short at byte " + fileOffset(at));
        }
        int captured = readInt(at + 8);
        if (captured < 0 || captured > MAX_RECORD_LENGTH) {
            return stop("impossible captured length " + Integer.toUnsignedString(captured) + " at byte "
                    + fileOffset(at));
        }
        if (end - at - RECORD_HEADER_LENGTH < captured) {
            // The record runs past the window: map the next one from its header (rare: once per window).
            slide(RECORD_HEADER_LENGTH + captured);
            at = position;
            if (problem() != null) {
                return false;
            }
            if (end - at - RECORD_HEADER_LENGTH < captured) {
                return stop("record at byte " + fileOffset(at) + " cut short: " + (end - at - RECORD_HEADER_LENGTH)
                        + " of " + captured + " bytes");
            }
        }
        int original = readInt(at + 12);
        timestampNanos = (readInt(at) & 0xffffffffL) * 1_000_000_000L + (readInt(at + 4) & 0xffffffffL) * fractionToNanos;
        offset = at + RECORD_HEADER_LENGTH;
        capturedLength = captured;
        originalLength = Integer.toUnsignedLong(original);
        position = offset + captured;
        return true;
    }
}
