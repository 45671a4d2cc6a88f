package dev.censorsim.capture;

import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Classifies one capture on several threads: one {@link PacketClassifier} per thread, each {@link
 * PacketClassifier#shard owning} the flows whose symmetric 5-tuple hash falls in its shard, each walking the whole
 * capture with a reader of its own. The results are those of one classifier over the whole capture: the flow reports,
 * sorted by where each flow began ({@link FlowSummary#firstPacketIndex()}), and the counters, summed.
 *
 * <p>Why every thread reads every record instead of one reader dispatching packets to the others: a shard skips a
 * packet it does not own after parsing its headers and hashing its 5-tuple, so the work repeated on every thread is
 * that parse and hash, and the memory is shared (the page cache, and the last-level cache the readers walk in step).
 * There is no queue, no hand-over and nothing to allocate, and each shard still sees every timestamp, so idle sweeps
 * happen at the same packets as in a single classifier and a flow that idles out ends at the same point in either.
 *
 * <p>Identical to one thread as long as no capacity is reached: {@code maxFlows}, the inspectors and the QUIC streams
 * are each per shard, so a capture that fills one classifier's table (refused packets) fills the shards' later or not
 * at all, and an idle flow evicted early to make room is not evicted from a shard that has room.
 */
public final class ShardedClassifier {

    /** Opens one reader over the capture; called once per thread, before the clock starts. */
    @FunctionalInterface
    public interface ReaderSource {
        PacketReader open() throws IOException, CaptureFormatException;
    }

    private final PacketClassifier[] shards;
    private final List<List<FlowSummary>> reports;
    private PacketReader firstReader;

    /**
     * @param threads      shards, one thread each (1: the calling thread alone)
     * @param collectFlows keep every flow's {@link FlowSummary} for {@link #flowReports()}
     * @param factory      makes one unsharded classifier with the listener given ({@code null} when not collecting)
     */
    public ShardedClassifier(int threads, boolean collectFlows,
                             Function<PacketClassifier.FlowListener, PacketClassifier> factory) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        this.shards = new PacketClassifier[threads];
        this.reports = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            List<FlowSummary> report = new ArrayList<>();
            reports.add(report);
            shards[i] = factory.apply(collectFlows ? report::add : null).shard(i, threads);
        }
    }

    /**
     * Classifies the capture once, every shard on its own thread (shard 0 on the calling one), then ends every flow
     * still open. May be called once.
     *
     * @return wall time, in nanoseconds, from the start of the first shard's loop to the end of the last one's (ending
     *         the open flows and building their reports not included, as for one thread)
     */
    public long classify(ReaderSource source) throws IOException, CaptureFormatException, InterruptedException {
        int threads = shards.length;
        PacketReader[] readers = new PacketReader[threads];
        for (int i = 0; i < threads; i++) {
            readers[i] = source.open();
        }
        firstReader = readers[0];
        long[] loopEnds = new long[threads];
        Throwable[] failures = new Throwable[threads];
        Thread[] workers = new Thread[threads];
        long start = System.nanoTime();
        for (int i = 1; i < threads; i++) {
            int shard = i;
            workers[i] = new Thread(() -> run(shard, readers[shard], loopEnds, failures), "classify-shard-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
        run(0, readers[0], loopEnds, failures);
        long end = loopEnds[0];
        for (int i = 1; i < threads; i++) {
            workers[i].join();
            end = Math.max(end, loopEnds[i]);
        }
        for (Throwable failure : failures) {
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
        }
        return end - start;
    }

    private void run(int shard, PacketReader reader, long[] loopEnds, Throwable[] failures) {
        try {
            loop(shards[shard], reader);
            loopEnds[shard] = System.nanoTime();
            shards[shard].finish();
        } catch (RuntimeException | Error e) {
            loopEnds[shard] = System.nanoTime();
            failures[shard] = e;
        }
    }

    /**
     * The per-packet loop, a method of its own so that warm-up passes compile the very loop a timed pass runs (as two
     * loops in one method, the timed one ran on-stack-replaced code at half the speed).
     */
    private static void loop(PacketClassifier classifier, PacketReader reader) {
        while (reader.next()) {
            classifier.onPacket(reader);
        }
    }

    /** Every flow's report, in the order the flows began in the capture; empty unless collecting. */
    public List<FlowSummary> flowReports() {
        int total = 0;
        for (List<FlowSummary> report : reports) {
            total += report.size();
        }
        List<FlowSummary> all = new ArrayList<>(total);
        for (List<FlowSummary> report : reports) {
            all.addAll(report);
        }
        all.sort(Comparator.comparingLong(FlowSummary::firstPacketIndex));
        return all;
    }

    /** Shard 0's reader, after {@link #classify}: every shard read the same records, so it tells how reading ended. */
    public PacketReader reader() {
        return firstReader;
    }

    public int threads() {
        return shards.length;
    }

    public long packets() {
        return sum(PacketClassifier::packets);
    }

    public long bytes() {
        return sum(PacketClassifier::bytes);
    }

    /** Flows started. */
    public long flows() {
        return sum(PacketClassifier::flows);
    }

    public long flows(Protocol p) {
        return sum(shard -> shard.flows(p));
    }

    public long packets(Protocol p) {
        return sum(shard -> shard.packets(p));
    }

    public long bytes(Protocol p) {
        return sum(shard -> shard.bytes(p));
    }

    /** The policy's rules; every shard has the same. */
    public List<CompiledRule> rules() {
        return shards[0].rules();
    }

    public List<DnsRule> dnsRules() {
        return shards[0].dnsRules();
    }

    public long flowsByRule(int index) {
        return sum(shard -> shard.flowsByRule(index));
    }

    public long packetsByRule(int index) {
        return sum(shard -> shard.packetsByRule(index));
    }

    public long bytesByRule(int index) {
        return sum(shard -> shard.bytesByRule(index));
    }

    public long flowsByDnsRule(int index) {
        return sum(shard -> shard.flowsByDnsRule(index));
    }

    public long packetsByDnsRule(int index) {
        return sum(shard -> shard.packetsByDnsRule(index));
    }

    public long bytesByDnsRule(int index) {
        return sum(shard -> shard.bytesByDnsRule(index));
    }

    public long nonIpPackets() {
        return sum(PacketClassifier::nonIpPackets);
    }

    public long unsupportedLinkPackets() {
        return sum(PacketClassifier::unsupportedLinkPackets);
    }

    public long malformedPackets() {
        return sum(PacketClassifier::malformedPackets);
    }

    public long fragmentPackets() {
        return sum(PacketClassifier::fragmentPackets);
    }

    public long otherTransportPackets() {
        return sum(PacketClassifier::otherTransportPackets);
    }

    public long refusedPackets() {
        return sum(PacketClassifier::refusedPackets);
    }

    public long outOfOrderSegments() {
        return sum(PacketClassifier::outOfOrderSegments);
    }

    public long quicHellosOverSeveralInitials() {
        return sum(PacketClassifier::quicHellosOverSeveralInitials);
    }

    public long quicStreamShortfalls() {
        return sum(PacketClassifier::quicStreamShortfalls);
    }

    public long inspectorShortfalls() {
        return sum(PacketClassifier::inspectorShortfalls);
    }

    /** A counter summed over the shards: those of no flow are counted by shard 0 alone, so the sum is one count. */
    private long sum(ToLongFunction<PacketClassifier> counter) {
        long sum = 0;
        for (PacketClassifier shard : shards) {
            sum += counter.applyAsLong(shard);
        }
        return sum;
    }
}
