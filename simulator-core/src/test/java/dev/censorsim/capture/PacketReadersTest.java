package dev.censorsim.capture;

import dev.censorsim.trace.FrameBuilder;
import dev.censorsim.trace.PcapWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketReadersTest {

    private static final byte[] A = {10, 0, 0, 1};
    private static final byte[] B = {(byte) 198, 51, 100, 9};

    private static byte[] pcap(int packets) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            for (int i = 0; i < packets; i++) {
                writer.write(1_700_000_000_000_000_000L + i * 1_000_000L,
                        FrameBuilder.udp(A, 5000 + i, B, 53, new byte[10 + i]));
            }
        }
        return out.toByteArray();
    }

    @Test
    void pcapShouldYieldEveryRecordWithTimestampsAndLengths() throws Exception {
        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(pcap(3)));

        int count = 0;
        while (reader.next()) {
            assertThat(reader.linkType()).isEqualTo(LinkType.ETHERNET);
            assertThat(reader.capturedLength()).isEqualTo(14 + 20 + 8 + 10 + count);
            assertThat(reader.originalLength()).isEqualTo(reader.capturedLength());
            assertThat(reader.timestampNanos()).isEqualTo(1_700_000_000_000_000_000L + count * 1_000_000L);
            count++;
        }
        assertThat(count).isEqualTo(3);
        assertThat(reader.problem()).isNull();
        assertThat(reader.truncatedRecords()).isZero();
    }

    @Test
    void truncatedLastRecordShouldStopWithACountNotAnException() throws Exception {
        byte[] whole = pcap(3);
        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(Arrays.copyOf(whole, whole.length - 5)));

        int count = 0;
        while (reader.next()) {
            count++;
        }
        assertThat(count).isEqualTo(2);
        assertThat(reader.truncatedRecords()).isEqualTo(1);
        assertThat(reader.problem()).contains("cut short");
    }

    @Test
    void impossibleRecordLengthShouldStopWithAProblem() throws Exception {
        byte[] bytes = pcap(2);
        bytes[24 + 8 + 3] = 0x7f;
        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(bytes));

        assertThat(reader.next()).isFalse();
        assertThat(reader.problem()).contains("impossible captured length");
    }

    @Test
    void bigEndianNanosecondPcapShouldBeRead() throws Exception {
        ByteBuf file = Unpooled.buffer();
        file.writeInt(PcapReader.MAGIC_NANOS).writeShort(2).writeShort(4).writeInt(0).writeInt(0).writeInt(65535)
                .writeInt(LinkType.RAW);
        byte[] frame = FrameBuilder.udp(A, 1, B, 2, new byte[3]);
        file.writeInt(5).writeInt(123).writeInt(frame.length - 14).writeInt(frame.length - 14);
        file.writeBytes(frame, 14, frame.length - 14);
        PacketReader reader = PacketReaders.of(file);

        assertThat(reader.next()).isTrue();
        assertThat(reader.timestampNanos()).isEqualTo(5_000_000_123L);
        assertThat(reader.linkType()).isEqualTo(LinkType.RAW);
        assertThat(reader.buffer().getByte(reader.offset())).isEqualTo((byte) 0x45);
    }

    @Test
    void unknownMagicShouldBeAFormatError() {
        assertThatThrownBy(() -> PacketReaders.of(Unpooled.wrappedBuffer(new byte[64])))
                .isInstanceOf(CaptureFormatException.class).hasMessageContaining("magic");
        assertThatThrownBy(() -> PacketReaders.of(Unpooled.wrappedBuffer(new byte[5])))
                .isInstanceOf(CaptureFormatException.class).hasMessageContaining("truncated");
    }

    private static ByteBuffer pcapngBlock(int type, ByteBuffer body) {
        int length = 12 + ((body.remaining() + 3) & ~3);
        ByteBuffer block = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        block.putInt(type).putInt(length).put(body);
        block.position(length - 4);
        block.putInt(length).flip();
        return block;
    }

    @Test
    void pcapngWithNanosecondInterfaceShouldBeRead() throws Exception {
        byte[] frame = FrameBuilder.udp(A, 1, B, 2, new byte[7]);
        ByteBuffer shb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        shb.putInt(PcapngReader.BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1).flip();
        ByteBuffer idb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        idb.putShort((short) LinkType.ETHERNET).putShort((short) 0).putInt(0);
        idb.putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]).flip();
        ByteBuffer epb = ByteBuffer.allocate(20 + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        long ticks = 1_700_000_000_123_456_789L;
        epb.putInt(0).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(frame.length).putInt(frame.length)
                .put(frame).flip();
        ByteBuf file = Unpooled.wrappedBuffer(pcapngBlock(PcapngReader.SECTION_HEADER_BLOCK, shb),
                pcapngBlock(PcapngReader.INTERFACE_DESCRIPTION_BLOCK, idb), pcapngBlock(5, ByteBuffer.allocate(8)),
                pcapngBlock(PcapngReader.ENHANCED_PACKET_BLOCK, epb));
        ByteBuf copy = Unpooled.buffer().writeBytes(file);
        PacketReader reader = PacketReaders.of(copy);

        assertThat(reader).isInstanceOf(PcapngReader.class);
        assertThat(reader.next()).isTrue();
        assertThat(reader.timestampNanos()).isEqualTo(ticks);
        assertThat(reader.capturedLength()).isEqualTo(frame.length);
        assertThat(reader.linkType()).isEqualTo(LinkType.ETHERNET);
        assertThat(reader.next()).isFalse();
        assertThat(reader.problem()).isNull();
    }

    @Test
    void pcapngBlockWithImpossibleLengthShouldStopWithAProblem() throws Exception {
        ByteBuffer shb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        shb.putInt(PcapngReader.BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1).flip();
        ByteBuf file = Unpooled.buffer().writeBytes(pcapngBlock(PcapngReader.SECTION_HEADER_BLOCK, shb));
        file.writeIntLE(PcapngReader.ENHANCED_PACKET_BLOCK).writeIntLE(4096).writeZero(20);
        PacketReader reader = PacketReaders.of(file);

        assertThat(reader.next()).isFalse();
        assertThat(reader.problem()).contains("impossible length");
        assertThat(reader.truncatedRecords()).isEqualTo(1);
    }

    @Test
    void fileOnDiskShouldBeMemoryMapped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("t.pcap");
        Files.write(file, pcap(4));
        PacketReader reader = PacketReaders.open(file);

        int count = 0;
        while (reader.next()) {
            count++;
        }
        assertThat(count).isEqualTo(4);
    }
}
