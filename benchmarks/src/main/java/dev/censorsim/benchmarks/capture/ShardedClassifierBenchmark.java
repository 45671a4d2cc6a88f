package dev.censorsim.benchmarks.capture;

import dev.censorsim.capture.PacketClassifier;
import dev.censorsim.capture.PacketReaders;
import dev.censorsim.capture.ShardedClassifier;
import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.CompiledPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Per-packet cost of {@code censorsim classify}'s whole loop, record walk included, on one thread and pipelined over
 * several ({@link ShardedClassifier}): the same mixed trace as {@link PacketClassifierBenchmark}, as a pcap in one
 * direct buffer cut at exactly {@link #OPERATIONS} records, classified whole each invocation by a reused sharded
 * classifier (reset between passes), QUIC Initials not decrypted (that is per-flow JDK crypto garbage, see
 * {@link PacketClassifierBenchmark}). One operation is one packet.
 *
 * <p>With {@code -prof gc}, the allocation per packet is what each pass costs spread over its packets: the reader, and
 * on several threads the threads themselves (a few KB per pass, under 0.1 B per packet); nothing per packet.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ShardedClassifierBenchmark -prof gc}. Time figures need
 * idle cores: with {@code threads=2} both must be free.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class ShardedClassifierBenchmark {

    static final int OPERATIONS = PacketClassifierBenchmark.OPERATIONS;

    @Param({"1", "2"})
    public int threads;

    private ByteBuf capture;
    private ShardedClassifier classifier;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        InMemoryTrace trace = InMemoryTrace.generate(2000, 42);
        if (trace.packets() < OPERATIONS) {
            throw new IllegalStateException("trace has only " + trace.packets() + " packets");
        }
        int end = trace.offsets[OPERATIONS - 1] + trace.lengths[OPERATIONS - 1];
        capture = Unpooled.directBuffer(end).writeBytes(trace.buffer, 0, end);
        trace.release();
        classifier = new ShardedClassifier(threads, false, listener -> new PacketClassifier(1 << 16,
                PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 4096, InspectionSettings.DEFAULT, CompiledPolicy.empty(),
                null).decryptQuicInitials(false));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        capture.release();
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public long classify() throws Exception {
        classifier.reset();
        classifier.classify(() -> PacketReaders.of(capture));
        if (classifier.packets() != OPERATIONS) {
            throw new IllegalStateException("classified " + classifier.packets() + " packets");
        }
        return classifier.flows();
    }
}
