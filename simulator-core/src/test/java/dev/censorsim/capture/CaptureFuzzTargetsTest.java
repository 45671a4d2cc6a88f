package dev.censorsim.capture;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.censorsim.policy.CompiledPolicy;
import io.netty.buffer.Unpooled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the capture readers and the packet classifier behind them: a hostile pcap or pcapng file must
 * end in records read or a stated problem, never an exception. Seeds: {@code CaptureFuzzTargetsTestInputs/<method>/}.
 */
class CaptureFuzzTargetsTest {

    /**
     * One classifier for every input, {@link PacketClassifier#reset() reset} before each: building a fresh one per
     * input (about 5 MB of tables) held this target to ~114 exec/s.
     */
    private static final PacketClassifier CLASSIFIER = new PacketClassifier(1024, 60_000_000_000L,
            PacketClassifier.DEFAULT_MAX_INSPECTORS, CompiledPolicy.empty().inspection(), CompiledPolicy.empty(),
            summary -> { });

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void captureReaders(byte[] input) {
        PacketReader reader;
        try {
            reader = PacketReaders.of(Unpooled.wrappedBuffer(input));
        } catch (CaptureFormatException e) {
            return; // not a capture: refused with a reason, which is the contract
        }
        PacketClassifier classifier = CLASSIFIER;
        classifier.reset();
        int records = 0;
        while (reader.next() && records++ < 100_000) {
            assertThat(reader.capturedLength()).isNotNegative();
            assertThat(reader.originalLength()).isNotNegative();
            classifier.onPacket(reader);
        }
        // Ending the flows runs the end-of-flow path (late decisions, summaries) on what the input left open.
        classifier.finish();
    }
}
