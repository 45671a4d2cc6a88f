package dev.censorsim.call;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RtpStreamStatsTest {

    private static final int CLOCK_HZ = 48_000;
    /** 20 ms frames at 48 kHz: 960 timestamp units and 20 000 000 ns per packet. */
    private static final int UNITS_PER_PACKET = 960;
    private static final long NANOS_PER_PACKET = 20_000_000L;
    private static final long T0 = 5_000_000_000_000L;

    private final RtpStreamStats stats = new RtpStreamStats(CLOCK_HZ);

    /** Packet {@code index} of a perfectly paced stream starting at sequence {@code firstSeq}. */
    private void paced(int firstSeq, int index) {
        stats.packet((firstSeq + index) & 0xffff, 1000L + (long) index * UNITS_PER_PACKET, T0 + index * NANOS_PER_PACKET);
    }

    @Test
    void nothingShouldBeExpectedBeforeTheFirstPacket() {
        assertThat(stats.expected()).isZero();
        assertThat(stats.received()).isZero();
        assertThat(stats.lost()).isZero();
        assertThat(stats.lossRatio()).isNaN();
        assertThat(stats.jitterMillis()).isNaN();
        assertThat(stats.extendedHighestSequence()).isEqualTo(-1);
    }

    @Test
    void onePacketShouldBeExpectedAndReceivedButGiveNoJitterYet() {
        paced(7, 0);

        assertThat(stats.expected()).isEqualTo(1);
        assertThat(stats.received()).isEqualTo(1);
        assertThat(stats.lossRatio()).isZero();
        assertThat(stats.jitterMillis()).as("A.8 needs a difference between two packets").isNaN();
    }

    @Test
    void inOrderStreamShouldHaveNoLoss() {
        for (int i = 0; i < 500; i++) {
            paced(100, i);
        }

        assertThat(stats.received()).isEqualTo(500);
        assertThat(stats.expected()).isEqualTo(500);
        assertThat(stats.lost()).isZero();
        assertThat(stats.lossRatio()).isZero();
        assertThat(stats.extendedHighestSequence()).isEqualTo(599);
    }

    @Test
    void gapOfKShouldCountKLost() {
        int k = 7;
        for (int i = 0; i < 100; i++) {
            if (i < 40 || i >= 40 + k) {
                paced(0, i);
            }
        }

        assertThat(stats.expected()).isEqualTo(100);
        assertThat(stats.received()).isEqualTo(100 - k);
        assertThat(stats.lost()).isEqualTo(k);
        assertThat(stats.lossRatio()).isEqualTo(k / 100.0);
    }

    @Test
    void reorderedPacketsShouldNotBeCountedTwice() {
        int[] order = {0, 1, 2, 4, 3, 5, 8, 6, 7, 9};
        for (int i : order) {
            paced(1000, i);
        }

        assertThat(stats.expected()).as("expected comes from the extended highest, not from arrivals").isEqualTo(10);
        assertThat(stats.received()).isEqualTo(10);
        assertThat(stats.lost()).isZero();
        assertThat(stats.extendedHighestSequence()).isEqualTo(1009);
    }

    @Test
    void lateTailShouldStillCountAsLossUntilItArrives() {
        for (int i : new int[] {0, 1, 3, 4}) {
            paced(0, i);
        }
        assertThat(stats.lost()).isEqualTo(1);

        paced(0, 2);

        assertThat(stats.lost()).isZero();
        assertThat(stats.expected()).isEqualTo(5);
    }

    @Test
    void sequenceWrapAroundShouldCountACycle() {
        for (int i = 0; i < 20; i++) {
            paced(65_530, i);
        }

        assertThat(stats.extendedHighestSequence()).as("65530 + 19 crosses 65535 -> 0 once").isEqualTo(65_549);
        assertThat(stats.expected()).isEqualTo(20);
        assertThat(stats.received()).isEqualTo(20);
        assertThat(stats.lost()).isZero();
    }

    @Test
    void lossAcrossTheWrapShouldBeCounted() {
        for (int i = 0; i < 20; i++) {
            if (i != 5 && i != 6 && i != 12) {
                paced(65_530, i);
            }
        }

        assertThat(stats.expected()).isEqualTo(20);
        assertThat(stats.lost()).isEqualTo(3);
    }

    @Test
    void reorderingAcrossTheWrapShouldNotAddACycle() {
        int[] order = {0, 1, 2, 3, 4, 6, 5, 7, 8};
        for (int i : order) {
            paced(65_531, i);
        }

        assertThat(stats.extendedHighestSequence()).isEqualTo(65_539);
        assertThat(stats.expected()).isEqualTo(9);
        assertThat(stats.lost()).isZero();
    }

    @Test
    void manyWrapsShouldAccumulateCycles() {
        int packets = 3 * 65_536 + 10;
        for (int i = 0; i < packets; i++) {
            paced(65_000, i);
        }

        assertThat(stats.expected()).isEqualTo(packets);
        assertThat(stats.extendedHighestSequence()).isEqualTo(65_000L + packets - 1);
        assertThat(stats.lost()).isZero();
    }

    @Test
    void duplicatesShouldCountAsReceivedAndNeverMakeLossNegative() {
        for (int i = 0; i < 10; i++) {
            paced(0, i);
            if (i % 3 == 0) {
                paced(0, i);
            }
        }

        assertThat(stats.received()).as("A.3 counts duplicates").isEqualTo(14);
        assertThat(stats.expected()).isEqualTo(10);
        assertThat(stats.lost()).isZero();
        assertThat(stats.lossRatio()).isZero();
    }

    @Test
    void duplicatesShouldMaskLossAsA3Says() {
        for (int i = 0; i < 10; i++) {
            if (i != 4) {
                paced(0, i);
            }
        }
        paced(0, 9);

        assertThat(stats.received()).isEqualTo(10);
        assertThat(stats.expected()).isEqualTo(10);
        assertThat(stats.lost()).isZero();
    }

    @Test
    void singleStrayPacketFarAheadShouldBeIgnored() {
        for (int i = 0; i < 10; i++) {
            paced(0, i);
        }
        stats.packet(30_000, 123_456_789L, T0 + 10 * NANOS_PER_PACKET);
        for (int i = 10; i < 20; i++) {
            paced(0, i);
        }

        assertThat(stats.expected()).as("a jump >= MAX_DROPOUT is not taken as loss").isEqualTo(20);
        assertThat(stats.received()).isEqualTo(20);
        assertThat(stats.jitterMillis()).as("the stray packet does not feed the jitter").isLessThan(0.01);
    }

    @Test
    void twoSequentialPacketsAfterAHugeJumpShouldRebaseAndKeepEarlierCounts() {
        for (int i = 0; i < 10; i++) {
            if (i != 3) {
                paced(0, i);
            }
        }
        for (int i = 0; i < 10; i++) {
            paced(40_000, i);
        }

        assertThat(stats.extendedHighestSequence()).isEqualTo(40_009);
        assertThat(stats.received())
                .as("9 before; the restart's first packet is ignored, 9 after").isEqualTo(18);
        assertThat(stats.expected()).as("10 before, 9 from the new base").isEqualTo(19);
        assertThat(stats.lost()).isEqualTo(1);
    }

    @Test
    void perfectlyPacedStreamShouldHaveNoJitter() {
        for (int i = 0; i < 1000; i++) {
            paced(0, i);
        }

        assertThat(stats.jitterMillis()).isCloseTo(0.0, within(1e-6));
    }

    @Test
    void constantTransitDelayShouldHaveNoJitterEvenAcrossTimestampWrap() {
        long firstTimestamp = 0xffff_ffffL - 10 * UNITS_PER_PACKET;
        for (int i = 0; i < 100; i++) {
            long timestamp = (firstTimestamp + (long) i * UNITS_PER_PACKET) & 0xffff_ffffL;
            stats.packet(i, timestamp, T0 + 40_000_000L + i * NANOS_PER_PACKET);
        }

        assertThat(stats.jitterMillis()).as("the 32-bit timestamp wraps after packet 10").isCloseTo(0.0, within(1e-6));
    }

    @Test
    void alternatingTransitDelayShouldConvergeToTheDifference() {
        // Transit alternates between 10 ms and 14 ms, so |D| = 4 ms on every packet: A.8's J -> |D| geometrically
        // with gain 1/16, J_n = |D| (1 - (15/16)^(n-1)).
        long dMillis = 4;
        int packets = 400;
        for (int i = 0; i < packets; i++) {
            long transitNanos = (i % 2 == 0 ? 10 : 10 + dMillis) * 1_000_000L;
            stats.packet(i, (long) i * UNITS_PER_PACKET, T0 + i * NANOS_PER_PACKET + transitNanos);
        }

        assertThat(stats.jitterMillis()).isCloseTo(dMillis, within(1e-6));
    }

    @Test
    void jitterShouldFollowTheA8RecurrenceExactlyAfterFewPackets() {
        // Same alternating transit as above, after 5 packets (4 differences): J = 4 (1 - (15/16)^4).
        for (int i = 0; i < 5; i++) {
            long transitNanos = (i % 2 == 0 ? 10 : 14) * 1_000_000L;
            stats.packet(i, (long) i * UNITS_PER_PACKET, T0 + i * NANOS_PER_PACKET + transitNanos);
        }

        assertThat(stats.jitterMillis()).isCloseTo(4 * (1 - Math.pow(15.0 / 16.0, 4)), within(1e-9));
    }

    @Test
    void jitterShouldScaleWithTheClockRate() {
        RtpStreamStats narrowband = new RtpStreamStats(8_000);
        for (int i = 0; i < 400; i++) {
            long transitNanos = (i % 2 == 0 ? 0 : 6) * 1_000_000L;
            narrowband.packet(i, (long) i * 160, T0 + i * NANOS_PER_PACKET + transitNanos);
        }

        assertThat(narrowband.jitterMillis()).isCloseTo(6.0, within(1e-6));
    }

    @Test
    void randomLossOfTwentyPercentShouldReadTwentyPercent() {
        SplittableRandom random = new SplittableRandom(20_25);
        int packets = 50_000;
        int firstSeq = 40_000;
        long dropped = 0;
        for (int i = 0; i < packets; i++) {
            // The first and last packets arrive so expected covers the whole stream.
            if (i != 0 && i != packets - 1 && random.nextDouble() < 0.20) {
                dropped++;
            } else {
                paced(firstSeq, i);
            }
        }

        assertThat(stats.expected()).as("50 000 packets from 40 000 wrap once").isEqualTo(packets);
        assertThat(stats.lost()).isEqualTo(dropped);
        assertThat(stats.lossRatio()).isCloseTo(0.20, within(0.01));
    }

    @Test
    void sequenceShouldUseOnlyItsLow16Bits() {
        stats.packet(0x1_0005, 0, T0);
        stats.packet(6, UNITS_PER_PACKET, T0 + NANOS_PER_PACKET);

        assertThat(stats.expected()).isEqualTo(2);
        assertThat(stats.extendedHighestSequence()).isEqualTo(6);
    }

    @Test
    void packetShouldAllocateNothing() {
        // Warm up so the JIT has compiled packet() before the measured run; then a mixed stream: in order, lost,
        // reordered, duplicated, wrapping.
        feedMixedStream(stats, 0, 200_000);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        feedMixedStream(stats, 200_000, 400_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(stats.lost()).isPositive();
        assertThat(allocated).as("bytes allocated by 200 000 packets").isLessThan(4096);
    }

    private static void feedMixedStream(RtpStreamStats target, int from, int to) {
        for (int i = from; i < to; i++) {
            int seq = i % 97 == 5 ? i + 1 : i % 97 == 6 ? i - 1 : i;
            if (i % 50 != 0) {
                target.packet(seq & 0xffff, (long) seq * UNITS_PER_PACKET & 0xffff_ffffL,
                        T0 + i * NANOS_PER_PACKET + (i & 7) * 100_000L);
            }
            if (i % 211 == 0) {
                target.packet(seq & 0xffff, (long) seq * UNITS_PER_PACKET & 0xffff_ffffL, T0 + i * NANOS_PER_PACKET);
            }
        }
    }
}
