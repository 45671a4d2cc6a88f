package dev.censorsim.capture;

import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Classifies one capture on several threads: one {@link PacketClassifier} per thread, each {@link
 * PacketClassifier#shard owning} the flows whose symmetric 5-tuple hash falls in its shard. The results are those of
 * one classifier over the whole capture: the flow reports, sorted by where each flow began ({@link
 * FlowSummary#firstPacketIndex()}), and the counters, summed.
 *
 * <p>The work is pipelined over chunks of records (see {@link #classifyPipelined}): one thread walks the record
 * headers and decodes each packet's link, IP and transport headers once to find its shard, and every thread then
 * classifies its own packets of the chunk in capture order from the decoded fields, passing over the others' by
 * their timestamps alone.
 * Each shard thus sees every timestamp, so idle sweeps happen at the same packets as in a single classifier and a flow
 * that idles out ends at the same point in either. Nothing is allocated per packet: the chunks' arrays are made by
 * the first pass and kept, with every table, across {@link #reset()}.
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
    /** The pipeline's two chunks, made by the first pass and kept for the next ones. */
    private Chunk[] chunks;

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
     * still open. Call {@link #reset()} before classifying again.
     *
     * @return wall time, in nanoseconds, from the start of the first shard's loop to the end of the last one's (ending
     *         the open flows and building their reports not included, as for one thread)
     */
    public long classify(ReaderSource source) throws IOException, CaptureFormatException, InterruptedException {
        if (shards.length > 1 && PIPELINE) {
            return classifyPipelined(source.open());
        }
        return classifyEveryThreadReads(source);
    }

    /**
     * {@code -Dcensorsim.classify.design=every-thread-reads} runs the earlier design instead of the pipeline, so that
     * {@code benchmarks/compare.sh} can set the two side by side on the same machine in the same run; see
     * {@link #classifyEveryThreadReads}.
     */
    private static final boolean PIPELINE = !"every-thread-reads".equals(
            System.getProperty("censorsim.classify.design"));
    /** {@link Chunk#owner} of a record whose headers carry no flow (malformed, not IP, ...): shard 0 counts it. */
    private static final short UNDECODED = -1;
    /** Records per pipeline chunk; see {@link #classifyPipelined}. */
    private static final int CHUNK = 4096;
    /**
     * Chunks in the pipeline's ring, about 9.6 MB of arrays: the walker may run this many chunks ahead of the slowest
     * thread. A small ring costs more than the waits: the walker then rewrites arrays whose cache lines the other
     * threads have just read, and each such write first takes its line back from the other core (see
     * {@link #classifyPipelined}).
     */
    private static final int RING = 32;
    /**
     * Thread 0's share of the flows against each other thread's; see {@link #shareEnds}. Thread 0 also walks and
     * decodes every record, about as much work per packet as classifying one, and classifies its own packets while
     * the walk has them in its cache, where the other threads read theirs from another core's writes.
     */
    private static final double WALKER_WEIGHT = 0.15;

    /**
     * The earlier design: every thread walks the whole capture with a reader of its own and decodes every packet's
     * headers, keeping only its shard's flows. No hand-over at all, but the walk and the decoding are repeated on
     * every thread, and every thread streams the whole file from memory: on the 2-core box two threads ran at 0.93
     * times one thread's rate, warm, and 0.76 times cold.
     */
    private long classifyEveryThreadReads(ReaderSource source)
            throws IOException, CaptureFormatException, InterruptedException {
        int threads = shards.length;
        PacketReader[] readers = new PacketReader[threads];
        for (int i = 0; i < threads; i++) {
            readers[i] = source.open();
        }
        firstReader = readers[0];
        return onEveryShard(shard -> loop(shards[shard], readers[shard]));
    }

    /** One shard's part of a pass, run on that shard's thread by {@link #onEveryShard}. */
    @FunctionalInterface
    private interface ShardLoop {
        void run(int shard);

        /** Called on a failing shard's thread after its loop threw, to release the others. */
        default void failed() {
        }
    }

    /**
     * Runs the loop for every shard, shard 0 on the calling thread and each other on a thread of its own, then ends
     * each shard's open flows on its thread, and rethrows the first failure once every thread is done.
     *
     * @return wall time from before the first thread starts to the end of the last shard's loop
     */
    private long onEveryShard(ShardLoop body) throws InterruptedException {
        int threads = shards.length;
        long[] loopEnds = new long[threads];
        Throwable[] failures = new Throwable[threads];
        Thread[] workers = new Thread[threads];
        long start = System.nanoTime();
        for (int i = 1; i < threads; i++) {
            int shard = i;
            workers[i] = new Thread(() -> runShard(body, shard, loopEnds, failures), "classify-shard-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
        runShard(body, 0, loopEnds, failures);
        long end = loopEnds[0];
        for (int i = 1; i < threads; i++) {
            workers[i].join();
            end = Math.max(end, loopEnds[i]);
        }
        rethrow(failures);
        return end - start;
    }

    private static void rethrow(Throwable[] failures) {
        for (Throwable failure : failures) {
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
        }
    }

    private void runShard(ShardLoop body, int shard, long[] loopEnds, Throwable[] failures) {
        try {
            body.run(shard);
            loopEnds[shard] = System.nanoTime();
            shards[shard].finish();
        } catch (RuntimeException | Error e) {
            loopEnds[shard] = System.nanoTime();
            failures[shard] = e;
            body.failed();
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

    /**
     * The pipelined design: every packet's record header is read once and its link, IP and transport headers are
     * decoded and hashed to a shard once, then each shard classifies its own packets from the decoded fields. The
     * capture is cut into chunks of {@link #CHUNK} records, held in a ring of {@link #RING} chunks:
     * <ol>
     *   <li>thread 0 walks the records of the next chunk and decodes each as it goes (the walk has just brought its
     *       bytes into this core's cache), noting in the chunk's arrays its offset, lengths, timestamp, addresses,
     *       ports, transport header and owning shard (a packet that carries no flow goes to shard 0, which counts
     *       it); it publishes the chunk, then classifies its own packets of it at once, from its own cache;</li>
     *   <li>every other thread classifies the published chunks in order: its own packets from their decoded fields
     *       ({@link PacketClassifier#onDecoded}, which reads a packet's bytes only while its flow is new or
     *       undecided), the others' by timestamp alone ({@link PacketClassifier#passOver}), so every shard still sees
     *       every timestamp and sweeps idle flows at the same packets as one classifier would.</li>
     * </ol>
     * No thread waits for another at each chunk: thread 0 waits only when the ring is full (the slowest thread is
     * {@link #RING} chunks behind), the others only when they have caught up with the walk. Thread 0 owns a smaller
     * share of the flows ({@link #WALKER_WEIGHT}) to make up for the walk.
     *
     * <p>Why a ring of 32 and not two chunks in lockstep, as before: timed per phase on the 2-core box (300 k-packet
     * trace, warm), thread 0's walk took 28 ms a pass with two chunks and 17 ms with 32, against 13 ms for the same
     * walk and decoding on one thread with nothing to write. Rewriting a chunk that the other core had read one step
     * earlier made every write take its cache line back from that core; with 32 chunks the lines have long left it.
     * Only the decoded fields cross between cores, in sequential arrays: the earlier pipeline had thread 1 decode
     * what thread 0 had walked, and each packet's header lines crossing cores made that decoding three to four times
     * as slow as the walk.
     */
    private long classifyPipelined(PacketReader reader) throws InterruptedException {
        firstReader = reader;
        int threads = shards.length;
        if (chunks == null) {
            chunks = new Chunk[RING];
            for (int i = 0; i < RING; i++) {
                chunks[i] = new Chunk();
            }
        }
        Pipeline pipeline = new Pipeline(threads, reader, chunks);
        return onEveryShard(new ShardLoop() {
            @Override
            public void run(int shard) {
                pipeline.run(shard, shards[shard]);
            }

            @Override
            public void failed() {
                pipeline.breakPipeline();
            }
        });
    }

    /**
     * A run of consecutive records, decoded: every record's owning shard and timestamp, which every thread reads, and
     * the rest in one array of {@link #STRIDE} longs a record, which only the owner reads (a thread passing over
     * another's packet touches none of it, except thread 0, which counts every packet's length on the core that wrote
     * it). One write stream instead of one array a field took the walker's writes from 18.4 to 15.5 ms a pass on the
     * 2-core box (single-thread loop over the 300 k-packet trace).
     */
    private static final class Chunk {
        /** Longs per record in {@link #fields}. */
        static final int STRIDE = 7;
        /** Offset, captured length: {@code offset << 32 | capturedLength}. */
        static final int AT = 0;
        /** Original length (unsigned 32 bits in both formats), transport length: {@code original << 32 | length}. */
        static final int LENGTHS = 1;
        /**
         * Source and destination addresses, high and low halves ({@link PacketHeaders#adopt}); for a record of no flow,
         * its link type in the first.
         */
        static final int ADDRESSES = 2;
        /** Ports, transport header's offset from the record's, transport: {@code ports << 32 | offset << 8 | t}. */
        static final int TRANSPORT = 6;

        /** The shard owning each record's flow, or {@link #UNDECODED}. */
        final short[] owner = new short[CHUNK];
        final long[] timestamp = new long[CHUNK];
        final long[] fields = new long[CHUNK * STRIDE];
        /** The window every record of the chunk lies in: a chunk ends where the reader moves its window. */
        ByteBuf buffer;
        int count;
    }

    /**
     * The state the pipeline's threads share. Thread 0 hands a chunk over by a volatile write of {@link #published}
     * after filling it, and each other thread hands it back by a volatile write of its {@link #consumed} entry after
     * classifying it; everything written before either write is visible to the thread that reads it.
     */
    private static final class Pipeline {
        /** A few microseconds of spinning, a chunk's usual lead on a quiet machine, before a waiter parks. */
        private static final int SPINS = 2_000;
        /** Longest park between checks: a waiter is unparked at every hand-over, so this only bounds a lost wake-up. */
        private static final long PARK_NANOS = 200_000;
        /** {@link #consumed} entries per thread: 16 ints, a cache line, so that no two threads write the same line. */
        private static final int PAD = 16;

        final PacketReader reader;
        final Chunk[] chunks;
        final Thread[] parties;
        /** The walker's own decoder: its counters are never read (each shard's classifier counts its packets). */
        final PacketHeaders headers = new PacketHeaders();
        /** Upper ends (exclusive) of each shard's share of the 32-bit hash space; see {@link #WALKER_WEIGHT}. */
        final long[] shareEnds;
        /** Chunks each thread but the walker has classified, at {@code thread * PAD}. */
        final AtomicIntegerArray consumed;
        /** Chunks walked and filled. */
        volatile int published;
        /** Chunks in the capture, once the walker has met its end; written before the last chunk is published. */
        volatile int end = Integer.MAX_VALUE;
        volatile boolean broken;
        /** The reader stopped on a record of a new window: it opens the next chunk. */
        boolean pending;

        Pipeline(int threads, PacketReader reader, Chunk[] chunks) {
            this.chunks = chunks;
            this.reader = reader;
            this.parties = new Thread[threads];
            this.consumed = new AtomicIntegerArray(threads * PAD);
            this.shareEnds = shareEnds(threads);
        }

        void run(int thread, PacketClassifier classifier) {
            parties[thread] = Thread.currentThread();
            classifier.ownersKnown();
            if (thread == 0) {
                walkAndClassify(classifier);
            } else {
                follow(thread, classifier);
            }
        }

        /** Thread 0: walks each chunk once the ring has room, publishes it, then classifies its own packets of it. */
        private void walkAndClassify(PacketClassifier classifier) {
            final Chunk[] chunks = this.chunks;
            for (int k = 0; ; k++) {
                if (k >= chunks.length && !awaitRoom(k - chunks.length + 1)) {
                    return;
                }
                Chunk chunk = chunks[k % chunks.length];
                boolean more = walk(chunk);
                if (!more) {
                    end = k + 1;
                }
                published = k + 1;
                wake(1);
                classify(chunk, classifier, 0);
                if (!more) {
                    return;
                }
            }
        }

        /** Every other thread: classifies the published chunks in order, handing each back when done. */
        private void follow(int thread, PacketClassifier classifier) {
            final Chunk[] chunks = this.chunks;
            for (int k = 0; awaitPublished(k); k++) {
                classify(chunks[k % chunks.length], classifier, thread);
                consumed.set(thread * PAD, k + 1);
                LockSupport.unpark(parties[0]);
            }
        }

        /** Waits until every other thread has classified {@code chunks} chunks; {@code false} when broken. */
        private boolean awaitRoom(int chunks) {
            for (int spins = 0; ; spins++) {
                if (broken) {
                    return false;
                }
                if (slowest() >= chunks) {
                    return true;
                }
                pause(spins);
            }
        }

        private int slowest() {
            int slowest = Integer.MAX_VALUE;
            for (int t = 1; t < parties.length; t++) {
                slowest = Math.min(slowest, consumed.get(t * PAD));
            }
            return slowest;
        }

        /**
         * Waits until chunk {@code k} is published; {@code false} when the capture ended before it or the pipeline
         * broke. The walker writes {@link #end} before publishing the last chunk, so a chunk not yet published and
         * below {@code end} is still coming.
         */
        private boolean awaitPublished(int k) {
            for (int spins = 0; ; spins++) {
                if (published > k) {
                    return true;
                }
                if (end <= k || broken) {
                    return false;
                }
                pause(spins);
            }
        }

        /**
         * Spins first ({@link Thread#onSpinWait()}): on idle cores a hand-over then costs well under a microsecond,
         * where a park and an unpark cost tens. Then parks: on a busy machine the thread being waited for is often
         * not running, and a parked waiter gives it the core (a spinning or yielding one kept it: measured at load 25
         * on the 2-core box, the waits were four times the work).
         */
        private static void pause(int spins) {
            if (spins < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
        }

        /** Unparks the threads from {@code first} on (a permit left for one not parked makes its next park return). */
        private void wake(int first) {
            for (int t = first; t < parties.length; t++) {
                Thread party = parties[t];
                if (party != null) {
                    LockSupport.unpark(party);
                }
            }
        }

        /** Releases every waiter, now and later. */
        void breakPipeline() {
            broken = true;
            wake(0);
        }

        /** Fills the chunk with the next records and their owners; returns whether the capture goes on after them. */
        private boolean walk(Chunk chunk) {
            final PacketReader reader = this.reader;
            int n = 0;
            chunk.buffer = null;
            if (pending) {
                pending = false;
                chunk.buffer = reader.buffer();
                record(chunk, 0, reader);
                n = 1;
            }
            boolean more = true;
            while (n < CHUNK) {
                if (!reader.next()) {
                    more = false;
                    break;
                }
                ByteBuf buffer = reader.buffer();
                if (buffer != chunk.buffer) {
                    if (n > 0) {
                        pending = true;
                        break;
                    }
                    chunk.buffer = buffer;
                }
                record(chunk, n++, reader);
            }
            chunk.count = n;
            return more;
        }

        /**
         * Notes the reader's record and its owner, decoded now: its headers were just brought into this core's cache
         * by the walk (the reader's read-ahead), where a decode on another core fetched them again, at over three
         * times the walk's cost per packet (phase times, 300 k-packet trace).
         */
        private void record(Chunk chunk, int i, PacketReader reader) {
            final PacketHeaders headers = this.headers;
            final long[] fields = chunk.fields;
            final int at = i * Chunk.STRIDE;
            final int offset = reader.offset();
            final long originalLength = reader.originalLength();
            chunk.timestamp[i] = reader.timestampNanos();
            fields[at + Chunk.AT] = (long) offset << 32 | reader.capturedLength();
            if (headers.decode(reader.buffer(), offset, reader.capturedLength(), reader.linkType())) {
                final long sourceHigh = headers.sourceHigh();
                final long sourceLow = headers.sourceLow();
                final long destinationHigh = headers.destinationHigh();
                final long destinationLow = headers.destinationLow();
                final int transport = headers.transport();
                chunk.owner[i] = (short) owner(FlowTable.hash(sourceHigh, sourceLow, headers.sourcePort(),
                        destinationHigh, destinationLow, headers.destinationPort(), transport));
                fields[at + Chunk.LENGTHS] = originalLength << 32 | headers.transportLength();
                fields[at + Chunk.ADDRESSES] = sourceHigh;
                fields[at + Chunk.ADDRESSES + 1] = sourceLow;
                fields[at + Chunk.ADDRESSES + 2] = destinationHigh;
                fields[at + Chunk.ADDRESSES + 3] = destinationLow;
                fields[at + Chunk.TRANSPORT] = (long) headers.ports() << 32
                        | (long) (headers.transportOffset() - offset) << 8 | transport;
            } else {
                chunk.owner[i] = UNDECODED;
                fields[at + Chunk.LENGTHS] = originalLength << 32;
                fields[at + Chunk.ADDRESSES] = reader.linkType();
            }
        }

        /**
         * The shard owning a flow with this hash: the hash's high bits against the shares (as {@link
         * PacketClassifier#shardOf}, so the flow table's home slot, its low bits, stays spread within each shard).
         */
        private int owner(int hash) {
            final long point = hash & 0xffffffffL;
            final long[] shareEnds = this.shareEnds;
            int shard = 0;
            while (point >= shareEnds[shard]) {
                shard++;
            }
            return shard;
        }

        private static void classify(Chunk chunk, PacketClassifier classifier, int shard) {
            final ByteBuf buffer = chunk.buffer;
            final short[] owner = chunk.owner;
            final long[] timestamp = chunk.timestamp;
            final long[] fields = chunk.fields;
            for (int i = 0, n = chunk.count; i < n; i++) {
                final int o = owner[i];
                final int at = i * Chunk.STRIDE;
                if (o == shard) {
                    final int offset = (int) (fields[at + Chunk.AT] >>> 32);
                    final long lengths = fields[at + Chunk.LENGTHS];
                    final long transport = fields[at + Chunk.TRANSPORT];
                    classifier.onDecoded(buffer, lengths >>> 32, timestamp[i], fields[at + Chunk.ADDRESSES],
                            fields[at + Chunk.ADDRESSES + 1], fields[at + Chunk.ADDRESSES + 2],
                            fields[at + Chunk.ADDRESSES + 3], (int) (transport >>> 32), (int) transport & 0xff,
                            offset + ((int) transport >>> 8), (int) lengths);
                } else if (o == UNDECODED && shard == 0) {
                    // Decoded again by shard 0's own classifier, which counts it under the reason it has no flow.
                    final long where = fields[at + Chunk.AT];
                    classifier.onPacket(buffer, (int) (where >>> 32), (int) where, fields[at + Chunk.LENGTHS] >>> 32,
                            (int) fields[at + Chunk.ADDRESSES], timestamp[i]);
                } else {
                    // Only shard 0 counts the others' packets and bytes, so only it reads their lengths: the other
                    // threads never touch a foreign record's fields, written on another core.
                    classifier.passOver(shard == 0 ? fields[at + Chunk.LENGTHS] >>> 32 : 0, timestamp[i]);
                }
            }
        }
    }

    /**
     * Each shard's share of the 32-bit hash space, as the exclusive upper end of each: thread 0 also walks and decodes
     * every record, so its share is {@link #WALKER_WEIGHT} of each other thread's.
     */
    private static long[] shareEnds(int threads) {
        double total = WALKER_WEIGHT + threads - 1;
        long[] ends = new long[threads];
        for (int i = 0; i < threads - 1; i++) {
            ends[i] = (long) ((WALKER_WEIGHT + i) / total * (1L << 32));
        }
        ends[threads - 1] = 1L << 32;
        return ends;
    }

    /**
     * Forgets every flow, report and counter, keeping every table for the next {@link #classify} (see {@link
     * PacketClassifier#reset()}): a caller classifying many captures, or one many times, then allocates nothing per
     * pass but the threads and the reader.
     */
    public void reset() {
        for (PacketClassifier shard : shards) {
            shard.reset();
        }
        for (List<FlowSummary> report : reports) {
            report.clear();
        }
        firstReader = null;
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
