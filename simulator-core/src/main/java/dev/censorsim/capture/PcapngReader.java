package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link PacketReader} over a pcapng file: several sections, either byte order, several interfaces with their own
 * link type and timestamp resolution. Enhanced and simple packet blocks are read; every other block is skipped.
 *
 * <p>Wire layout (draft-ietf-opsawg-pcapng §3.1, §4): every block is
 * <pre>
 *   u32 block_type, u32 block_total_length (multiple of 4, at least 12), body, u32 block_total_length
 * </pre>
 * Section header (0x0a0d0d0a, §4.1): {@code u32 byte_order_magic 0x1a2b3c4d, u16 major = 1, u16 minor, i64 length,
 * options}. Interface description (1, §4.2): {@code u16 link_type, u16 reserved, u32 snaplen, options} with
 * {@code if_tsresol} (option 9, one byte: 10^-n, or 2^-n when the top bit is set; default 10^-6). Enhanced packet
 * (6, §4.3): {@code u32 interface_id, u32 ts_high, u32 ts_low, u32 captured_length, u32 original_length, data padded to
 * 4}. Simple packet (3, §4.4): {@code u32 original_length, data}, captured length implied by the block length.
 * Options are {@code u16 code, u16 length, value padded to 4}, ending at code 0.
 */
public final class PcapngReader extends CaptureReader {

    public static final int SECTION_HEADER_BLOCK = 0x0a0d0d0a;
    public static final int INTERFACE_DESCRIPTION_BLOCK = 1;
    public static final int SIMPLE_PACKET_BLOCK = 3;
    public static final int ENHANCED_PACKET_BLOCK = 6;
    public static final int BYTE_ORDER_MAGIC = 0x1a2b3c4d;

    private static final int BLOCK_OVERHEAD = 12;
    /** A section header block's fixed part: type, length, byte-order magic, versions, section length, length. */
    private static final int SECTION_HEADER_MIN = 28;
    private static final int OPTION_IF_TSRESOL = 9;
    private static final int OPTION_END = 0;
    /** More interfaces than this in one section is a corrupt file, not a capture. */
    private static final int MAX_INTERFACES = 256;
    private static final int MAX_RECORD_LENGTH = 262_144;

    private final int[] linkTypes = new int[MAX_INTERFACES];
    private final int[] snapLengths = new int[MAX_INTERFACES];
    /** Per interface: nanoseconds = ticks * multiplier / divisor. */
    private final long[] multipliers = new long[MAX_INTERFACES];
    private final long[] divisors = new long[MAX_INTERFACES];
    private int interfaces;

    /**
     * @param buffer the whole file, from index 0 to its writer index
     * @throws CaptureFormatException when the file does not start with a valid section header block
     */
    public PcapngReader(ByteBuf buffer) throws CaptureFormatException {
        super(buffer);
        checkSectionHeader();
    }

    /** A reader over {@code file} mapped in windows of at most {@code windowBytes} (see {@link PacketReaders}). */
    PcapngReader(Path file, long fileSize, int windowBytes) throws IOException, CaptureFormatException {
        super(file, fileSize, windowBytes);
        checkSectionHeader();
    }

    private void checkSectionHeader() throws CaptureFormatException {
        if (end < 28 || buffer.getInt(0) != SECTION_HEADER_BLOCK) {
            throw new CaptureFormatException("not a pcapng file: no section header block");
        }
        int magic = buffer.getInt(8);
        if (magic != BYTE_ORDER_MAGIC && buffer.getIntLE(8) != BYTE_ORDER_MAGIC) {
            throw new CaptureFormatException(String.format("pcapng section header with bad byte-order magic 0x%08x",
                    magic));
        }
    }

    @Override
    public boolean next() {
        while (true) {
            // A section header needs 28 bytes before its length is checked; any block, its whole length (below).
            slide(SECTION_HEADER_MIN);
            if (problem() != null || position == end) {
                return false;
            }
            int at = position;
            readAhead(at);
            if (end - at < BLOCK_OVERHEAD) {
                return stop("block header cut short at byte " + fileOffset(at));
            }
            int type = buffer.getInt(at);
            if (type == SECTION_HEADER_BLOCK) {
                // Byte order is per section, known only from the magic after the length.
                if (end - at < SECTION_HEADER_MIN) {
                    return stop("section header cut short at byte " + fileOffset(at));
                }
                int magic = buffer.getInt(at + 8);
                if (magic == BYTE_ORDER_MAGIC) {
                    littleEndian = false;
                } else if (buffer.getIntLE(at + 8) == BYTE_ORDER_MAGIC) {
                    littleEndian = true;
                } else {
                    return stop("section header with bad byte-order magic at byte " + fileOffset(at));
                }
                interfaces = 0;
            } else {
                type = readInt(at);
            }
            int length = readInt(at + 4);
            if (length >= BLOCK_OVERHEAD && length > end - at) {
                // The block runs past the window: map the next one from its start (once per window).
                slide(length);
                at = position;
                if (problem() != null) {
                    return false;
                }
            }
            if (length < BLOCK_OVERHEAD || (length & 3) != 0 || length > end - at) {
                return stop("block at byte " + fileOffset(at) + " has impossible length "
                        + Integer.toUnsignedString(length) + " (" + (end - at) + " bytes left)");
            }
            position = at + length;
            int bodyEnd = at + length - 4;
            if (type == INTERFACE_DESCRIPTION_BLOCK) {
                if (!readInterface(at + 8, bodyEnd)) {
                    return false;
                }
            } else if (type == ENHANCED_PACKET_BLOCK) {
                if (readEnhanced(at + 8, bodyEnd)) {
                    return true;
                }
                if (problem() != null) {
                    return false;
                }
            } else if (type == SIMPLE_PACKET_BLOCK) {
                if (readSimple(at + 8, bodyEnd)) {
                    return true;
                }
                if (problem() != null) {
                    return false;
                }
            }
        }
    }

    private boolean readInterface(int body, int bodyEnd) {
        if (bodyEnd - body < 8) {
            return stop("interface description block cut short at byte " + fileOffset(body - 8));
        }
        if (interfaces == MAX_INTERFACES) {
            return stop("more than " + MAX_INTERFACES + " interfaces in one section");
        }
        int id = interfaces++;
        linkTypes[id] = readShort(body);
        snapLengths[id] = readInt(body + 4);
        multipliers[id] = 1000;
        divisors[id] = 1;
        int option = body + 8;
        while (bodyEnd - option >= 4) {
            int code = readShort(option);
            int optionLength = readShort(option + 2);
            if (code == OPTION_END || option + 4 + optionLength > bodyEnd) {
                break;
            }
            if (code == OPTION_IF_TSRESOL && optionLength >= 1) {
                setResolution(id, buffer.getUnsignedByte(option + 4));
            }
            option += 4 + ((optionLength + 3) & ~3);
        }
        return true;
    }

    private void setResolution(int id, int resolution) {
        int exponent = resolution & 0x7f;
        if ((resolution & 0x80) != 0) {
            // 2^-exponent seconds per tick.
            multipliers[id] = 1_000_000_000L;
            divisors[id] = exponent >= 62 ? Long.MAX_VALUE : 1L << exponent;
        } else if (exponent <= 9) {
            multipliers[id] = pow10(9 - exponent);
            divisors[id] = 1;
        } else {
            multipliers[id] = 1;
            divisors[id] = exponent - 9 > 18 ? Long.MAX_VALUE : pow10(exponent - 9);
        }
    }

    private static long pow10(int n) {
        long value = 1;
        for (int i = 0; i < n; i++) {
            value *= 10;
        }
        return value;
    }

    private boolean readEnhanced(int body, int bodyEnd) {
        if (bodyEnd - body < 20) {
            return stop("enhanced packet block cut short at byte " + fileOffset(body - 8));
        }
        int id = readInt(body);
        if (id < 0 || id >= interfaces) {
            return skipRecord();
        }
        int captured = readInt(body + 12);
        if (captured < 0 || captured > MAX_RECORD_LENGTH || captured > bodyEnd - body - 20) {
            return stop("enhanced packet block at byte " + fileOffset(body - 8) + " claims "
                    + Integer.toUnsignedString(captured) + " captured bytes");
        }
        long ticks = (readInt(body + 4) & 0xffffffffL) << 32 | (readInt(body + 8) & 0xffffffffL);
        timestampNanos = toNanos(id, ticks);
        offset = body + 20;
        capturedLength = captured;
        originalLength = Integer.toUnsignedLong(readInt(body + 16));
        linkType = linkTypes[id];
        return true;
    }

    private boolean readSimple(int body, int bodyEnd) {
        if (bodyEnd - body < 4 || interfaces == 0) {
            return skipRecord();
        }
        int original = readInt(body);
        int available = bodyEnd - body - 4;
        // The IDB's SnapLen is a u32 (0 = no limit). Found by fuzzing: read as an int, a value of 2^31 or more went
        // negative and so did the captured length of every simple packet block.
        int snap = snapLengths[0] <= 0 ? Integer.MAX_VALUE : snapLengths[0];
        int captured = Math.min(Math.min(original < 0 ? Integer.MAX_VALUE : original, snap), available);
        offset = body + 4;
        capturedLength = captured;
        originalLength = Integer.toUnsignedLong(original);
        // A simple packet block carries no timestamp.
        timestampNanos = 0;
        linkType = linkTypes[0];
        return true;
    }

    private long toNanos(int id, long ticks) {
        long multiplier = multipliers[id];
        long divisor = divisors[id];
        if (divisor == 1) {
            return ticks * multiplier;
        }
        if (multiplier == 1) {
            return ticks / divisor;
        }
        // Binary resolutions: split to keep ticks * 1e9 from overflowing.
        return ticks / divisor * multiplier + ticks % divisor * multiplier / divisor;
    }

    private int readShort(int index) {
        return littleEndian ? buffer.getUnsignedShortLE(index) : buffer.getUnsignedShort(index);
    }
}
