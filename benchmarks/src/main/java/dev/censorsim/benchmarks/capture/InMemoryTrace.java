package dev.censorsim.benchmarks.capture;

import dev.censorsim.capture.CaptureFormatException;
import dev.censorsim.capture.PacketReader;
import dev.censorsim.capture.PacketReaders;
import dev.censorsim.trace.PcapWriter;
import dev.censorsim.trace.TraceGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * A generated mixed trace held in one direct buffer (as the memory-mapped file is), with its records pre-indexed so
 * the benchmarks time classification, not pcap record walking.
 */
final class InMemoryTrace {

    final ByteBuf buffer;
    final int[] offsets;
    final int[] lengths;
    final long[] timestamps;
    final long bytes;

    private InMemoryTrace(ByteBuf buffer, int[] offsets, int[] lengths, long[] timestamps, long bytes) {
        this.buffer = buffer;
        this.offsets = offsets;
        this.lengths = lengths;
        this.timestamps = timestamps;
        this.bytes = bytes;
    }

    static InMemoryTrace generate(int flows, long seed) throws IOException, CaptureFormatException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int packets;
        try (PcapWriter writer = new PcapWriter(out)) {
            new TraceGenerator(flows, seed).write(writer);
            packets = (int) writer.packets();
        }
        byte[] pcap = out.toByteArray();
        ByteBuf buffer = Unpooled.directBuffer(pcap.length).writeBytes(pcap);
        int[] offsets = new int[packets];
        int[] lengths = new int[packets];
        long[] timestamps = new long[packets];
        long bytes = 0;
        PacketReader reader = PacketReaders.of(buffer);
        for (int i = 0; reader.next(); i++) {
            offsets[i] = reader.offset();
            lengths[i] = reader.capturedLength();
            timestamps[i] = reader.timestampNanos();
            bytes += reader.originalLength();
        }
        return new InMemoryTrace(buffer, offsets, lengths, timestamps, bytes);
    }

    int packets() {
        return offsets.length;
    }

    void release() {
        buffer.release();
    }
}
