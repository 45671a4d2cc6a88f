package dev.censorsim.call;

import dev.censorsim.call.EModel.Codec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EModelTest {

    @Test
    void perfectPathShouldRate93Point2AndMos4Point41() {
        double r = EModel.rFactor(0, 0, 1, Codec.G711_PLC);

        assertThat(r).isEqualTo(93.2);
        assertThat(EModel.mos(r)).isCloseTo(4.41, within(0.005));
    }

    @Test
    void mosShouldMatchPublishedPointsOfAnnexB() {
        assertThat(EModel.mos(50)).isCloseTo(2.58, within(0.01));
        assertThat(EModel.mos(60)).isCloseTo(3.10, within(0.01));
        assertThat(EModel.mos(70)).isCloseTo(3.60, within(0.01));
        assertThat(EModel.mos(80)).isCloseTo(4.02, within(0.01));
        assertThat(EModel.mos(90)).isCloseTo(4.34, within(0.01));
    }

    @Test
    void mosShouldClampOutsideZeroToHundred() {
        assertThat(EModel.mos(-5)).isEqualTo(1);
        assertThat(EModel.mos(0)).isEqualTo(1);
        assertThat(EModel.mos(100)).isEqualTo(4.5);
        assertThat(EModel.mos(120)).isEqualTo(4.5);
        assertThat(EModel.mos(Double.NaN)).isNaN();
    }

    @Test
    void mosShouldNeverFallAsRRisesNorLeaveTheScale() {
        double previous = EModel.mos(0);
        for (int tenths = 1; tenths <= 1000; tenths++) {
            double r = tenths / 10.0;
            double mos = EModel.mos(r);
            assertThat(mos).as("MOS(%.1f); the raw Annex B polynomial dips below 1 under R = 6.5", r)
                    .isGreaterThanOrEqualTo(previous).isBetween(1.0, 4.5);
            previous = mos;
        }
        assertThat(EModel.mos(10)).isGreaterThan(1);
    }

    @Test
    void delayImpairmentShouldHaveTheShallowSlopeBelowTheKnee() {
        assertThat(EModel.delayImpairment(0)).isZero();
        assertThat(EModel.delayImpairment(100)).isCloseTo(2.4, within(1e-9));
        assertThat(EModel.delayImpairment(177.3)).as("the 0.11 term is zero up to the knee")
                .isCloseTo(0.024 * 177.3, within(1e-9));
    }

    @Test
    void delayImpairmentShouldSteepenAboveTheKnee() {
        double below = EModel.delayImpairment(170) - EModel.delayImpairment(160);
        double above = EModel.delayImpairment(300) - EModel.delayImpairment(290);

        assertThat(below).isCloseTo(0.24, within(1e-9));
        assertThat(above).as("slope 0.024 + 0.11 per ms").isCloseTo(1.34, within(1e-9));
        assertThat(EModel.delayImpairment(400)).isCloseTo(0.024 * 400 + 0.11 * (400 - 177.3), within(1e-9));
    }

    @Test
    void twentyPercentRandomLossWithG711PlcShouldRate51Point1() {
        double r = EModel.rFactor(0, 20, 1, Codec.G711_PLC);

        assertThat(r).isCloseTo(93.2 - 95.0 * 20 / (20 + 25.1), within(1e-9));
        assertThat(r).isCloseTo(51.1, within(0.05));
    }

    @Test
    void burstyLossShouldRateLowerThanRandomLossOfTheSameRate() {
        double random = EModel.rFactor(0, 5, 1, Codec.G711_PLC);
        double bursty = EModel.rFactor(0, 5, 2, Codec.G711_PLC);
        double burstier = EModel.rFactor(0, 5, 4, Codec.G711_PLC);

        assertThat(bursty).isLessThan(random);
        assertThat(burstier).isLessThan(bursty);
        assertThat(EModel.rFactor(0, 0, 4, Codec.G711_PLC)).as("no loss, no burst penalty").isEqualTo(93.2);
    }

    @Test
    void lossShouldLowerMosMonotonically() {
        double previous = Double.MAX_VALUE;
        for (int lossPercent = 0; lossPercent <= 100; lossPercent += 2) {
            double mos = EModel.mos(EModel.rFactor(50, lossPercent, 1, Codec.OPUS_LIKE));
            assertThat(mos).as("MOS at %d%% loss", lossPercent).isLessThanOrEqualTo(previous);
            previous = mos;
        }
        assertThat(EModel.mos(EModel.rFactor(50, 1, 1, Codec.OPUS_LIKE)))
                .isLessThan(EModel.mos(EModel.rFactor(50, 0, 1, Codec.OPUS_LIKE)));
    }

    @Test
    void totalLossShouldBeUnusable() {
        assertThat(EModel.mos(0, 0, 1.0, Codec.G711_PLC)).isLessThan(1.6);
    }

    @Test
    void delayShouldLowerMosMonotonically() {
        double previous = Double.MAX_VALUE;
        for (int delay = 0; delay <= 600; delay += 10) {
            double mos = EModel.mos(delay, 0, 0, Codec.OPUS_LIKE);
            assertThat(mos).as("MOS at %d ms", delay).isLessThanOrEqualTo(previous);
            previous = mos;
        }
    }

    @Test
    void mouthToEarShouldAddJitterBufferFrameAndLookahead() {
        assertThat(EModel.mouthToEarMillis(50, 3, Codec.G711_PLC))
                .as("2 x 3 ms jitter is less than a frame, so the buffer holds one 20 ms frame").isEqualTo(50 + 20 + 20);
        assertThat(EModel.mouthToEarMillis(50, 15, Codec.G711_PLC)).isEqualTo(50 + 30 + 20);
        assertThat(EModel.mouthToEarMillis(50, 15, Codec.OPUS_LIKE)).isEqualTo(50 + 30 + 20 + 6.5);
    }

    @Test
    void convenienceMosShouldComposeTheParts() {
        double expected = EModel.mos(EModel.rFactor(EModel.mouthToEarMillis(80, 12, Codec.OPUS_LIKE), 3, 1,
                Codec.OPUS_LIKE));

        assertThat(EModel.mos(80, 12, 0.03, Codec.OPUS_LIKE)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void goodLoopbackCallShouldScoreAboveFourPointThree() {
        assertThat(EModel.mos(0.1, 0.05, 0, Codec.OPUS_LIKE))
                .as("only codec and buffer delay left: about 47 ms mouth to ear").isGreaterThan(4.3);
    }

    @Test
    void unmeasuredStatisticsShouldGiveNaN() {
        assertThat(EModel.mos(20, Double.NaN, 0, Codec.OPUS_LIKE)).isNaN();
        assertThat(EModel.mos(20, 1, Double.NaN, Codec.OPUS_LIKE)).isNaN();
    }

    @Test
    void outOfRangeInputsShouldBeRejected() {
        assertThatThrownBy(() -> EModel.rFactor(0, 101, 1, Codec.G711_PLC))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EModel.rFactor(0, 5, 0.5, Codec.G711_PLC))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EModel.mos(-1, 0, 0, Codec.G711_PLC)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EModel.mos(0, 0, 1.5, Codec.G711_PLC)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Codec("bad", 0, 0, 20, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Codec("bad", 0, 10, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
