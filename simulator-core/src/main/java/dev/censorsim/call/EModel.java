package dev.censorsim.call;

import java.util.Objects;

/**
 * ITU-T G.107 E-model (with the G.113 Appendix I codec values), reduced to what a call measures: mouth-to-ear delay,
 * packet loss and its burstiness. Every other G.107 input (loudness ratings, noise, echo, sidetone, advantage) stays
 * at its default; with all defaults G.107 rates a connection 93.2, which this model takes as {@code Ro - Is}, with
 * {@code A} zero.
 *
 * <p>The delay impairment Id is the widely used fit of G.107's Id for those defaults by Cole and Rosenbluth ("Voice
 * over IP performance monitoring", ACM SIGCOMM CCR 31(2), 2001): {@code Id = 0.024 Ta + 0.11 (Ta - 177.3)
 * H(Ta - 177.3)}, H the unit step. It is a fit, not G.107's full Idte + Idle + Idd: it keeps the knee where
 * conversation starts to suffer, and it gives Id = 0 at Ta = 0, so a perfect path rates exactly 93.2.
 *
 * <p>Inputs that are NaN (a statistic not measured yet) give NaN; inputs out of range throw
 * {@link IllegalArgumentException}, since they can only come from a bug.
 */
public final class EModel {

    /** G.107's basic signal-to-noise ratio minus simultaneous impairments with all defaults. */
    public static final double RO_MINUS_IS = 93.2;
    /** Mouth-to-ear delay at which the Cole-Rosenbluth fit's slope rises from 0.024 to 0.134 per ms. */
    public static final double DELAY_KNEE_MILLIS = 177.3;

    private static final double DELAY_SLOPE = 0.024;
    private static final double DELAY_SLOPE_ABOVE_KNEE = 0.11;

    private EModel() {
    }

    /**
     * A codec's equipment impairment Ie, packet-loss robustness Bpl, frame and look-ahead (ms).
     *
     * @param name shown in reports
     * @param ie equipment impairment without loss (G.113 Appendix I), in [0, 95)
     * @param bpl packet-loss robustness factor (G.113 Appendix I), positive
     * @param frameMillis audio per packet, positive
     * @param lookaheadMillis the encoder's look-ahead, not negative
     */
    public record Codec(String name, double ie, double bpl, double frameMillis, double lookaheadMillis) {

        /** G.711 with the G.711 Appendix I concealment: Ie 0, Bpl 25.1 (G.113 Appendix I), 20 ms frame, no
         *  look-ahead. */
        public static final Codec G711_PLC = new Codec("G.711+PLC", 0, 25.1, 20, 0);

        /**
         * Opus at 20 ms frames, as the messenger's calls are. Delay: a 6.5 ms look-ahead, the rest of Opus's default
         * 26.5 ms algorithmic delay for a 20 ms frame (RFC 6716's codec, libopus's default; 5 to 66.5 ms for 2.5
         * to 60 ms frames).
         * Impairment: G.113 lists no narrowband-scale Ie or Bpl for Opus (published Opus values are on the wideband
         * or fullband scales of G.107.1/G.107.2, which this model does not use), so it takes G.711+PLC's Ie 0 and
         * Bpl 25.1, assuming Opus at a voice bitrate is no worse than G.711 on the narrowband scale and its
         * concealment no worse than G.711 Appendix I's. The MOS it gives is a narrowband-equivalent figure, and
         * differs from G.711+PLC's only by the look-ahead.
         */
        public static final Codec OPUS_LIKE = new Codec("Opus-like", 0, 25.1, 20, 6.5);

        public Codec {
            Objects.requireNonNull(name, "name");
            if (!(ie >= 0 && ie < 95)) {
                throw new IllegalArgumentException("ie must be in [0, 95): " + ie);
            }
            if (!(bpl > 0)) {
                throw new IllegalArgumentException("bpl must be positive: " + bpl);
            }
            if (!(frameMillis > 0)) {
                throw new IllegalArgumentException("frameMillis must be positive: " + frameMillis);
            }
            if (!(lookaheadMillis >= 0)) {
                throw new IllegalArgumentException("lookaheadMillis must not be negative: " + lookaheadMillis);
            }
        }
    }

    /**
     * Mouth-to-ear delay: network one-way + jitter buffer (2 x jitter, at least one frame) + frame + look-ahead.
     * The jitter buffer is the usual adaptive one sized to twice the RFC 3550 jitter; it never holds less than one
     * frame, since a packet must be whole before it is played.
     */
    public static double mouthToEarMillis(double oneWayNetworkMillis, double jitterMillis, Codec codec) {
        requireNotNegative(oneWayNetworkMillis, "oneWayNetworkMillis");
        requireNotNegative(jitterMillis, "jitterMillis");
        double jitterBuffer = Math.max(2 * jitterMillis, codec.frameMillis());
        return oneWayNetworkMillis + jitterBuffer + codec.frameMillis() + codec.lookaheadMillis();
    }

    /**
     * R = Ro - Is - Id - Ie,eff + A with G.107 defaults (Ro - Is = 93.2, A = 0); Id from the Cole-Rosenbluth fit
     * (see the class comment), Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl), as G.107 gives it.
     *
     * @param lossPercent Ppl, in [0,100]
     * @param burstRatio BurstR, at least 1 (1 = random loss)
     */
    public static double rFactor(double mouthToEarMillis, double lossPercent, double burstRatio, Codec codec) {
        return RO_MINUS_IS - delayImpairment(mouthToEarMillis)
                - effectiveEquipmentImpairment(lossPercent, burstRatio, codec);
    }

    /** Id for a mouth-to-ear delay Ta in ms: {@code 0.024 Ta + 0.11 (Ta - 177.3) H(Ta - 177.3)}. */
    public static double delayImpairment(double mouthToEarMillis) {
        requireNotNegative(mouthToEarMillis, "mouthToEarMillis");
        double aboveKnee = Math.max(0, mouthToEarMillis - DELAY_KNEE_MILLIS);
        return DELAY_SLOPE * mouthToEarMillis + DELAY_SLOPE_ABOVE_KNEE * aboveKnee;
    }

    /** Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl), as G.107 gives it. */
    public static double effectiveEquipmentImpairment(double lossPercent, double burstRatio, Codec codec) {
        if (lossPercent < 0 || lossPercent > 100) {
            throw new IllegalArgumentException("lossPercent must be in [0, 100]: " + lossPercent);
        }
        if (burstRatio < 1) {
            throw new IllegalArgumentException("burstRatio must be at least 1: " + burstRatio);
        }
        double ie = codec.ie();
        return ie + (95 - ie) * lossPercent / (lossPercent / burstRatio + codec.bpl());
    }

    /**
     * G.107 Annex B: 1 for R < 0, 4.5 for R > 100, else 1 + 0.035R + R(R-60)(100-R)7e-6. NaN for NaN.
     * The polynomial dips to 0.994 near R = 3 and is back at 1 at R = 6.5; the result is held at 1 there, so MOS
     * never leaves the 1..5 scale and never rises as R falls.
     */
    public static double mos(double r) {
        if (r < 0) {
            return 1;
        }
        if (r > 100) {
            return 4.5;
        }
        return Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
    }

    /**
     * Convenience: MOS from network one-way delay, jitter and loss (ratio in [0,1]) for a codec, burstRatio 1.
     * NaN jitter or loss (fewer than two packets, none expected) gives NaN.
     */
    public static double mos(double oneWayNetworkMillis, double jitterMillis, double lossRatio, Codec codec) {
        if (lossRatio < 0 || lossRatio > 1) {
            throw new IllegalArgumentException("lossRatio must be in [0, 1]: " + lossRatio);
        }
        double mouthToEar = mouthToEarMillis(oneWayNetworkMillis, jitterMillis, codec);
        return mos(rFactor(mouthToEar, lossRatio * 100, 1, codec));
    }

    private static void requireNotNegative(double value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }
}
