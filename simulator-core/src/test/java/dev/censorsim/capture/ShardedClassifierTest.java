package dev.censorsim.capture;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.trace.PcapWriter;
import dev.censorsim.trace.TraceGenerator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pipelined {@link ShardedClassifier} against one classifier, where the CLI tests do not reach: a capture read
 * in windows (a chunk ends where the window moves), a capture cut short mid-record, and a shard that fails.
 */
class ShardedClassifierTest {

    @TempDir
    Path dir;

    private static byte[] trace(int flows, long seed) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            new TraceGenerator(flows, seed).write(writer);
        }
        return out.toByteArray();
    }

    private static ShardedClassifier classifier(int threads, long idleTimeoutNanos) {
        return new ShardedClassifier(threads, true, listener -> new PacketClassifier(PacketClassifier.DEFAULT_MAX_FLOWS,
                idleTimeoutNanos, PacketClassifier.DEFAULT_MAX_INSPECTORS, InspectionSettings.DEFAULT,
                CompiledPolicy.empty(), listener));
    }

    /** Everything one run reports: flows in order, then the counters. */
    private static List<Object> results(ShardedClassifier classifier) {
        List<Object> all = new ArrayList<>(classifier.flowReports());
        all.add(List.of(classifier.packets(), classifier.bytes(), classifier.flows(), classifier.malformedPackets(),
                classifier.nonIpPackets(), classifier.refusedPackets(), classifier.outOfOrderSegments(),
                classifier.reader().truncatedRecords(), String.valueOf(classifier.reader().problem())));
        for (Protocol p : Protocol.values()) {
            all.add(List.of(p, classifier.flows(p), classifier.packets(p), classifier.bytes(p)));
        }
        return all;
    }

    @Test
    @Timeout(60)
    void captureReadInWindowsShouldGiveOneThreadsResultsOnEveryThreadCount() throws Exception {
        Path file = dir.resolve("t.pcap");
        Files.write(file, trace(600, 21));
        ShardedClassifier one = classifier(1, 1_000_000_000L);
        one.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(Files.readAllBytes(file))));
        List<Object> expected = results(one);
        assertThat(one.packets()).as("several chunks").isGreaterThan(3 * 4096);

        for (int threads : new int[] {2, 3}) {
            // 64 KiB windows: a chunk is cut wherever the reader maps its next window.
            ShardedClassifier sharded = classifier(threads, 1_000_000_000L);
            sharded.classify(() -> PacketReaders.open(file, 64 * 1024));

            assertThat(results(sharded)).as("%d threads", threads).isEqualTo(expected);
        }
    }

    @Test
    @Timeout(60)
    void packetsCarryingNoFlowShouldBeCountedOnceOnEveryThreadCount() throws Exception {
        // The pipeline's walker decodes every packet and hands the owner its decoded fields; a packet whose headers
        // carry no flow goes to shard 0, which decodes it again to count why. Spoil some of a trace's packets.
        byte[] pcap = trace(300, 23);
        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(pcap.clone()));
        for (int i = 0; reader.next(); i++) {
            int frame = reader.offset();
            if (i % 37 == 5) {
                pcap[frame + 14] = 0x35; // IPv4 version 3: malformed
            } else if (i % 53 == 7) {
                pcap[frame + 12] = (byte) 0x88; // ether_type 0x88cc (LLDP): not IP
                pcap[frame + 13] = (byte) 0xcc;
            }
        }
        ShardedClassifier one = classifier(1, 1_000_000_000L);
        one.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(pcap)));
        List<Object> expected = results(one);
        assertThat(one.malformedPackets()).isPositive();
        assertThat(one.nonIpPackets()).isPositive();

        for (int threads : new int[] {2, 3}) {
            ShardedClassifier sharded = classifier(threads, 1_000_000_000L);
            sharded.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(pcap)));

            assertThat(results(sharded)).as("%d threads", threads).isEqualTo(expected);
        }
    }

    @Test
    @Timeout(60)
    void captureCutShortShouldStopEveryThreadAtTheSameRecordWithTheSameProblem() throws Exception {
        byte[] whole = trace(300, 22);
        byte[] cut = Arrays.copyOf(whole, whole.length * 2 / 3);
        ShardedClassifier one = classifier(1, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS);
        one.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(cut)));
        assertThat(one.reader().problem()).isNotNull();

        ShardedClassifier sharded = classifier(2, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS);
        sharded.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(cut)));

        assertThat(results(sharded)).isEqualTo(results(one));
    }

    @Test
    @Timeout(60)
    void secondPassAfterResetShouldGiveTheFirstPassResults() throws Exception {
        byte[] capture = trace(300, 24);
        ShardedClassifier sharded = classifier(2, 1_000_000_000L);
        sharded.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(capture)));
        List<Object> first = results(sharded);

        sharded.reset();
        sharded.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(capture)));

        assertThat(results(sharded)).isEqualTo(first);
    }

    @Test
    @Timeout(60)
    void failingShardShouldEndEveryThreadAndReachTheCaller() throws Exception {
        byte[] capture = trace(300, 23);
        ShardedClassifier sharded = new ShardedClassifier(2, false, listener -> new PacketClassifier(
                PacketClassifier.DEFAULT_MAX_FLOWS, 1_000_000L, PacketClassifier.DEFAULT_MAX_INSPECTORS,
                InspectionSettings.DEFAULT, CompiledPolicy.empty(), flow -> {
                    throw new IllegalStateException("listener failed");
                }));

        assertThatThrownBy(() -> sharded.classify(() -> PacketReaders.of(Unpooled.wrappedBuffer(capture))))
                .isInstanceOf(IllegalStateException.class).hasMessage("listener failed");
    }
}
