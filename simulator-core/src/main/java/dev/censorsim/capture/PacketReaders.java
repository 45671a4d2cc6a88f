package dev.censorsim.capture;

import dev.censorsim.io.InputFileException;
import dev.censorsim.io.InputFiles;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens a capture file as a {@link PacketReader}, telling pcap from pcapng by the magic. */
public final class PacketReaders {

    private PacketReaders() {
    }

    /**
     * Memory-maps {@code file} read-only and returns a reader over it. The mapping lives as long as the returned
     * reader is reachable (the JDK offers no safe explicit unmap).
     *
     * @throws CaptureFormatException when the file is neither pcap nor pcapng, or larger than 2 GiB (one mapping)
     */
    public static PacketReader open(Path file) throws IOException, CaptureFormatException {
        return of(map(file, false));
    }

    /**
     * Memory-maps {@code file} read-only as one buffer, for several passes with {@link #of(ByteBuf)}.
     *
     * @param preload touch every page now, so later passes measure classification rather than page faults
     * @throws CaptureFormatException when the file is larger than 2 GiB (one mapping)
     */
    public static ByteBuf map(Path file, boolean preload) throws IOException, CaptureFormatException {
        // Opening a FIFO blocks until a writer comes, and a device cannot be mapped: regular files only, checked
        // without opening. The size is re-checked on the open channel below (one mapping holds at most 2 GiB).
        try {
            InputFiles.checkRegular(file, Long.MAX_VALUE, "capture file");
        } catch (InputFileException e) {
            if (e.detail().startsWith("no such")) {
                throw new NoSuchFileException(file.toString());
            }
            throw new CaptureFormatException(e.detail());
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new CaptureFormatException(file + ": " + size + " bytes; captures over 2 GiB are not supported,"
                        + " split them with editcap -c");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            if (preload) {
                mapped.load();
            }
            return Unpooled.wrappedBuffer(mapped);
        }
    }

    /** A reader over a capture already in memory (index 0 to the writer index). */
    public static PacketReader of(ByteBuf capture) throws CaptureFormatException {
        if (capture.writerIndex() >= 4 && capture.getInt(0) == PcapngReader.SECTION_HEADER_BLOCK) {
            return new PcapngReader(capture);
        }
        return new PcapReader(capture);
    }
}
