package dev.censorsim.capture;

import dev.censorsim.io.InputFileException;
import dev.censorsim.io.InputFiles;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens a capture file as a {@link PacketReader}, telling pcap from pcapng by the magic. */
public final class PacketReaders {

    /**
     * Bytes mapped at once by {@link #open(Path)}: 1 GiB keeps a window well under the 2 GiB a mapping and a
     * {@code ByteBuf} can hold, and makes moving the window (a mapping system call and a few page-table faults) rare.
     */
    static final int WINDOW_BYTES = 1 << 30;

    private PacketReaders() {
    }

    /**
     * Memory-maps {@code file} read-only, in windows of 1 GiB, and returns a reader over it: captures of any size are
     * read, with records straddling a window's edge handled. Each window lives as long as it is reachable (the JDK
     * offers no safe explicit unmap); the reader keeps no file open.
     *
     * @throws CaptureFormatException when the file is neither pcap nor pcapng
     */
    public static PacketReader open(Path file) throws IOException, CaptureFormatException {
        return open(file, WINDOW_BYTES);
    }

    /** {@link #open(Path)} with another window size (tests move the window every few records with a small one). */
    static PacketReader open(Path file, int windowBytes) throws IOException, CaptureFormatException {
        long size = checkRegular(file);
        if (size == 0) {
            throw new CaptureFormatException("pcap file header truncated: 0 of 24 bytes");
        }
        boolean pcapng;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            while (magic.hasRemaining() && channel.read(magic, magic.position()) > 0) {
                // Read the first four bytes (fewer when the file is shorter).
            }
            pcapng = magic.position() == 4 && magic.getInt(0) == PcapngReader.SECTION_HEADER_BLOCK;
        }
        return pcapng ? new PcapngReader(file, size, windowBytes) : new PcapReader(file, size, windowBytes);
    }

    /**
     * Memory-maps {@code file} read-only as one buffer, for several passes with {@link #of(ByteBuf)}.
     *
     * @param preload touch every page now, so later passes measure classification rather than page faults
     * @throws CaptureFormatException when the file is larger than 2 GiB (one mapping)
     */
    public static ByteBuf map(Path file, boolean preload) throws IOException, CaptureFormatException {
        checkRegular(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new CaptureFormatException(file + ": " + size + " bytes, more than one mapping holds (2 GiB);"
                        + " read it with open(), in windows");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            if (preload) {
                mapped.load();
            }
            return Unpooled.wrappedBuffer(mapped);
        }
    }

    /**
     * Opening a FIFO blocks until a writer comes, and a device cannot be mapped: regular files only, checked without
     * opening.
     *
     * @return the file's size
     */
    private static long checkRegular(Path file) throws IOException, CaptureFormatException {
        try {
            InputFiles.checkRegular(file, Long.MAX_VALUE, "capture file");
        } catch (InputFileException e) {
            if (e.detail().startsWith("no such")) {
                throw new NoSuchFileException(file.toString());
            }
            throw new CaptureFormatException(e.detail());
        }
        return Files.size(file);
    }

    /** A reader over a capture already in memory (index 0 to the writer index). */
    public static PacketReader of(ByteBuf capture) throws CaptureFormatException {
        if (capture.writerIndex() >= 4 && capture.getInt(0) == PcapngReader.SECTION_HEADER_BLOCK) {
            return new PcapngReader(capture);
        }
        return new PcapReader(capture);
    }
}
