package dev.censorsim.capture;

import dev.censorsim.trace.FrameBuilder;
import dev.censorsim.trace.PcapWriter;
import dev.censorsim.trace.TraceGenerator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Captures read from a file in windows ({@link PacketReaders#open(Path, int)}): records straddling a window's edge are
 * read whole, and the records are those of the same file read from one buffer.
 */
class CaptureWindowTest {

    private static final int[] WINDOWS = {64, 100, 1000, 4096, 65_537, 1 << 20};

    @TempDir
    Path dir;

    private record Record(long timestampNanos, int capturedLength, long originalLength, int linkType, long crc) {
    }

    private record Walk(List<Record> records, String problem, long truncated) {
    }

    private static Walk walk(PacketReader reader) {
        List<Record> records = new ArrayList<>();
        CRC32 crc = new CRC32();
        while (reader.next()) {
            crc.reset();
            crc.update(reader.buffer().nioBuffer(reader.offset(), reader.capturedLength()));
            records.add(new Record(reader.timestampNanos(), reader.capturedLength(), reader.originalLength(),
                    reader.linkType(), crc.getValue()));
        }
        return new Walk(records, reader.problem(), reader.truncatedRecords());
    }

    private void assertWindowsMatchOneBuffer(byte[] capture, int minimumRecords) throws Exception {
        Path file = dir.resolve("capture");
        Files.write(file, capture);
        Walk whole = walk(PacketReaders.of(Unpooled.wrappedBuffer(capture)));
        assertThat(whole.records()).hasSizeGreaterThanOrEqualTo(minimumRecords);
        for (int window : WINDOWS) {
            Walk windowed = walk(PacketReaders.open(file, window));
            assertThat(windowed).as("read in windows of %d bytes", window).isEqualTo(whole);
        }
    }

    @Test
    void pcapReadInWindowsShouldYieldTheRecordsOfOneBuffer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            new TraceGenerator(200, 3).write(writer);
        }

        assertWindowsMatchOneBuffer(out.toByteArray(), 2000);
    }

    @Test
    void truncatedPcapReadInWindowsShouldStopAtTheSameRecordWithTheSameProblem() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            new TraceGenerator(20, 4).write(writer);
        }
        byte[] whole = out.toByteArray();

        byte[] cut = Arrays.copyOf(whole, whole.length - 5);
        assertWindowsMatchOneBuffer(cut, 100);
        assertThat(walk(PacketReaders.open(dir.resolve("capture"), 100)).problem()).contains("cut short");
    }

    @Test
    void pcapngReadInWindowsShouldYieldTheRecordsOfOneBuffer() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int section = 0; section < 2; section++) {
            ByteBuffer shb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            shb.putInt(PcapngReader.BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1).flip();
            write(out, block(PcapngReader.SECTION_HEADER_BLOCK, shb));
            ByteBuffer idb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            idb.putShort((short) LinkType.ETHERNET).putShort((short) 0).putInt(0);
            // if_tsresol 9: nanoseconds in the first section; the default (microseconds) in the second.
            idb.putShort((short) (section == 0 ? 9 : 0)).putShort((short) (section == 0 ? 1 : 0))
                    .put((byte) 9).put(new byte[3]).flip();
            write(out, block(PcapngReader.INTERFACE_DESCRIPTION_BLOCK, idb));
            for (int i = 0; i < 150; i++) {
                byte[] frame = FrameBuilder.udp(new byte[] {10, 0, 0, 1}, 4000 + i, new byte[] {10, 0, 0, 2}, 53,
                        new byte[(i * 37) % 700]);
                ByteBuffer epb = ByteBuffer.allocate(20 + frame.length).order(ByteOrder.LITTLE_ENDIAN);
                long ticks = 1_700_000_000_000_000L + i * 1_000L;
                epb.putInt(0).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(frame.length)
                        .putInt(frame.length).put(frame).flip();
                write(out, block(PcapngReader.ENHANCED_PACKET_BLOCK, epb));
                if (i % 50 == 0) {
                    // A block the reader skips (custom, type 0xbad).
                    write(out, block(0xbad, ByteBuffer.allocate(40)));
                }
            }
        }

        assertWindowsMatchOneBuffer(out.toByteArray(), 300);
    }

    private static ByteBuffer block(int type, ByteBuffer body) {
        int length = 12 + ((body.remaining() + 3) & ~3);
        ByteBuffer block = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        block.putInt(type).putInt(length).put(body);
        block.position(length - 4);
        block.putInt(length).flip();
        return block;
    }

    private static void write(ByteArrayOutputStream out, ByteBuffer block) {
        out.write(block.array(), block.arrayOffset(), block.remaining());
    }

    /**
     * A real file over 2 GiB, made cheap: sparse, so the disk holds only its three real records. A hole reads as
     * zeros, and sixteen zeros are an empty pcap record, so the file is a valid capture of about 134 million empty
     * records, a packet whose record starts 8 bytes before the 1 GiB window edge, and one past 2 GiB.
     */
    @Test
    @Timeout(300)
    void captureOverTwoGigabytesShouldBeReadAcrossWindowsWithTheRecordOnTheEdgeWhole() throws Exception {
        Path file = dir.resolve("sparse.pcap");
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        new PcapWriter(header).flush();
        byte[] first = FrameBuilder.udp(new byte[] {10, 0, 0, 1}, 4000, new byte[] {10, 0, 0, 2}, 53, new byte[100]);
        byte[] second = FrameBuilder.udp(new byte[] {10, 0, 0, 3}, 4001, new byte[] {10, 0, 0, 4}, 53,
                new byte[200]);
        long edgeRecord = PacketReaders.WINDOW_BYTES - 8;
        long afterEdge = edgeRecord + 16 + first.length;
        long pastTwoGigabytes = afterEdge + ((1L << 31) + 4096 - afterEdge) / 16 * 16;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            channel.write(ByteBuffer.wrap(header.toByteArray()), 0);
            channel.write(record(7, first), edgeRecord);
            channel.write(record(8, second), pastTwoGigabytes);
        }
        try {
            assertThat(Files.size(file)).isGreaterThan(1L << 31);
            PacketReader reader = PacketReaders.open(file);

            long empty = 0;
            List<Integer> lengths = new ArrayList<>();
            List<Long> seconds = new ArrayList<>();
            while (reader.next()) {
                if (reader.capturedLength() == 0) {
                    empty++;
                } else {
                    lengths.add(reader.capturedLength());
                    seconds.add(reader.timestampNanos() / 1_000_000_000L);
                    byte[] read = new byte[reader.capturedLength()];
                    reader.buffer().getBytes(reader.offset(), read);
                    assertThat(read).isEqualTo(lengths.size() == 1 ? first : second);
                }
            }
            assertThat(reader.problem()).isNull();
            assertThat(lengths).containsExactly(first.length, second.length);
            assertThat(seconds).containsExactly(7L, 8L);
            long zeros = (edgeRecord - 24) + (pastTwoGigabytes - afterEdge);
            assertThat(empty).isEqualTo(zeros / 16);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A little-endian pcap record (the writer's byte order), microsecond timestamps. */
    private static ByteBuffer record(int seconds, byte[] frame) {
        ByteBuffer record = ByteBuffer.allocate(16 + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        record.putInt(seconds).putInt(0).putInt(frame.length).putInt(frame.length).put(frame).flip();
        return record;
    }
}
