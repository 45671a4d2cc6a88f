package dev.censorsim.scenario;

import dev.censorsim.report.ExpectationResult;
import dev.censorsim.metrics.Metric;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExpectationTest {

    private static final List<String> TIMELINE = List.of("baseline", "throttled", "blocked");

    private static Expectation parse(String text) throws ExpectationParser.Failure {
        return ExpectationParser.parse(text, "throttled", TIMELINE);
    }

    private static ExpectationResult check(String text, Map<String, Double> measured,
                                           Map<String, Map<String, Double>> earlier) throws Exception {
        return parse(text).evaluate("throttled", measured, earlier);
    }

    @Test
    void unitsShouldConvertToTheMetricsUnit() throws Exception {
        assertThat(parse("media.throughput >= 30mbit").threshold()).isEqualTo(new Threshold.Value(30e6));
        assertThat(parse("media.throughput >= 30 mbit/s").threshold()).isEqualTo(new Threshold.Value(30e6));
        assertThat(parse("media.throughput >= 500kbit").threshold()).isEqualTo(new Threshold.Value(500e3));
        assertThat(parse("media.throughput >= 2mb").threshold()).as("2 MB/s in bit/s")
                .isEqualTo(new Threshold.Value(16e6));
        assertThat(parse("media.throughput >= 1000").threshold()).as("a bare number is in bit/s, the metric's unit")
                .isEqualTo(new Threshold.Value(1000));
        assertThat(parse("chat.latency.p99 <= 200ms").threshold()).isEqualTo(new Threshold.Value(200));
        assertThat(parse("chat.latency.p99 <= 1.5s").threshold()).isEqualTo(new Threshold.Value(1500));
        assertThat(parse("chat.latency.p99 <= 250").threshold()).isEqualTo(new Threshold.Value(250));
        assertThat(parse("first_failure.seconds <= 500ms").threshold()).isEqualTo(new Threshold.Value(0.5));
        assertThat(parse("connect.reset_ratio >= 95%").threshold()).isEqualTo(new Threshold.Value(0.95));
        assertThat(parse("media.bytes >= 1mb").threshold()).isEqualTo(new Threshold.Value(1e6));
        assertThat(parse("connect.ok==0").comparison()).isEqualTo(Comparison.EQ);
    }

    @Test
    void bitRateThresholdsShouldKeepTheirExactValueNotWholeBytesPerSecond() throws Exception {
        assertThat(parse("media.throughput <= 130.1kbit").threshold()).isEqualTo(new Threshold.Value(130_100));
        assertThat(parse("media.throughput > 4bit").threshold()).as("not rounded up to one byte, 8 bit/s")
                .isEqualTo(new Threshold.Value(4));
        assertThat(parse("media.throughput >= 1bit").threshold()).as("not refused as below 1 byte/s")
                .isEqualTo(new Threshold.Value(1));
        assertThat(parse("media.throughput >= 1.5kib").threshold()).isEqualTo(new Threshold.Value(12_288));
        assertThat(check("media.throughput <= 130.1kbit", Map.of("media.throughput", 130_102.0), Map.of()).passed())
                .as("130,102 bit/s is over 130.1 kbit/s").isFalse();
        assertThatThrownBy(() -> parse("media.throughput >= 0kbit"))
                .hasMessage("rate '0kbit' is zero; expected a positive rate");
    }

    @Test
    void aFailureThatRoundsOntoTheThresholdShouldShowTheExactFigure() throws Exception {
        // 98 of 99 messages delivered: 0.98989..., which prints as 0.990 like the threshold it missed.
        ExpectationResult missed = check("chat.delivered_ratio >= 0.99", Map.of("chat.delivered_ratio", 98 / 99.0),
                Map.of());
        ExpectationResult met = check("chat.delivered_ratio >= 0.99", Map.of("chat.delivered_ratio", 0.995),
                Map.of());
        ExpectationResult slow = check("media.throughput >= 1.0049mbit", Map.of("media.throughput", 1_001_000.0),
                Map.of());

        assertThat(missed.passed()).isFalse();
        assertThat(missed.message()).isEqualTo("measured 0.990 (0.9898989899), expected >= 0.990");
        assertThat(met.message()).as("no extra digits where the printed figures differ")
                .isEqualTo("measured 0.995, expected >= 0.990");
        assertThat(slow.message()).isEqualTo("measured 1.00 Mbit/s (1001000 bit/s), expected >= 1.00 Mbit/s");
    }

    @Test
    void equalityShouldBeExactForCountsAndTolerantForConvertedUnits() throws Exception {
        // The relative tolerance is for thresholds converted between units; a count is an exact integer.
        assertThat(check("media.bytes == 4000000000", Map.of("media.bytes", 4_000_000_003.0), Map.of()).passed())
                .isFalse();
        assertThat(check("media.bytes != 4000000000", Map.of("media.bytes", 4_000_000_003.0), Map.of()).passed())
                .isTrue();
        assertThat(check("media.bytes == 4000000000", Map.of("media.bytes", 4e9), Map.of()).passed()).isTrue();
        assertThat(check("media.throughput == 0.3mbit", Map.of("media.throughput", 300_000.0000001), Map.of())
                .passed()).as("a unit-converted threshold keeps its tolerance").isTrue();
    }

    @Test
    void ratioAndScoreThresholdsOutsideTheirRangeShouldBeRefusedAtTheNumber() throws Exception {
        assertThatThrownBy(() -> parse("chat.delivered_ratio >= 99")).as("99 meant 99%: it could never hold")
                .isInstanceOfSatisfying(ExpectationParser.Failure.class, f -> {
                    assertThat(f.offset).isEqualTo(24);
                    assertThat(f.getMessage()).isEqualTo("chat.delivered_ratio is a ratio from 0 to 1; expected a "
                            + "number such as 0.95 or a percentage such as 95%, got '99'");
                });
        assertThatThrownBy(() -> parse("connect.reset_ratio <= 150%")).isInstanceOf(ExpectationParser.Failure.class)
                .hasMessageContaining("is a ratio from 0 to 1");
        assertThatThrownBy(() -> parse("call.mos >= 5")).isInstanceOfSatisfying(ExpectationParser.Failure.class,
                f -> {
                    assertThat(f.offset).isEqualTo(12);
                    assertThat(f.getMessage()).isEqualTo("call.mos is a score from 1 to 4.5; expected a number in "
                            + "that range such as 3.5, got '5'");
                });
        assertThatThrownBy(() -> parse("call.mos > 0.5")).isInstanceOf(ExpectationParser.Failure.class);

        assertThat(parse("chat.delivered_ratio >= 1").threshold()).isEqualTo(new Threshold.Value(1));
        assertThat(parse("call.mos >= 4.5").threshold()).isEqualTo(new Threshold.Value(4.5));
        assertThat(parse("vpn.overhead > 1.05").threshold()).as("wire bytes per app byte: above 1")
                .isEqualTo(new Threshold.Value(1.05));
        assertThat(parse("connect.reset_ratio >= 2 * baseline.connect.reset_ratio").threshold())
                .as("a factor is not a ratio").isEqualTo(new Threshold.Relative(2, "baseline",
                        Metric.CONNECT_RESET_RATIO));
    }

    @Test
    void countsShouldRefuseUnits() {
        assertThatThrownBy(() -> parse("connect.ok >= 3ms")).isInstanceOfSatisfying(ExpectationParser.Failure.class,
                f -> {
                    assertThat(f.offset).isEqualTo(15);
                    assertThat(f.getMessage()).isEqualTo("connect.ok is a count; expected a plain number, got '3ms'");
                });
    }

    @Test
    void everyOperatorShouldCompareAsWritten() throws Exception {
        Map<String, Double> m = Map.of("connect.ok", 5.0);
        Map<String, Map<String, Double>> none = Map.of();

        assertThat(check("connect.ok >= 5", m, none).passed()).isTrue();
        assertThat(check("connect.ok > 5", m, none).passed()).isFalse();
        assertThat(check("connect.ok <= 5", m, none).passed()).isTrue();
        assertThat(check("connect.ok < 5", m, none).passed()).isFalse();
        assertThat(check("connect.ok == 5", m, none).passed()).isTrue();
        assertThat(check("connect.ok != 5", m, none).passed()).isFalse();
        assertThat(check("connect.ok != 4", m, none).passed()).isTrue();
    }

    @Test
    void relativeThresholdShouldUseTheEarlierPhase() throws Exception {
        Map<String, Map<String, Double>> earlier = Map.of("baseline", Map.of("media.throughput", 40e6));

        ExpectationResult in = check("media.throughput <= 0.30 * baseline.media.throughput",
                Map.of("media.throughput", 10e6), earlier);
        ExpectationResult out = check("media.throughput >= 0.30 * baseline.media.throughput",
                Map.of("media.throughput", 10e6), earlier);

        assertThat(in.passed()).isTrue();
        assertThat(in.threshold()).isEqualTo(12e6);
        assertThat(in.measured()).isEqualTo(10e6);
        assertThat(in.message()).isEqualTo("measured 10.00 Mbit/s, expected <= 12.00 Mbit/s "
                + "(0.3 * baseline.media.throughput)");
        assertThat(out.passed()).isFalse();
        assertThat(out.title()).isEqualTo("throttled: media.throughput >= 0.30 * baseline.media.throughput");
    }

    @Test
    void missingMetricShouldFailAsNotMeasured() throws Exception {
        ExpectationResult r = check("chat.delivered_ratio >= 0.99", Map.of("chat.sent", 0.0), Map.of());

        assertThat(r.passed()).isFalse();
        assertThat(r.measured()).isNaN();
        assertThat(r.message()).isEqualTo("chat.delivered_ratio not measured in phase throttled; expected >= 0.990");
    }

    @Test
    void missingBaseShouldFailWithNothingToCompareWith() throws Exception {
        ExpectationResult r = check("media.throughput <= 0.3 * baseline.media.throughput",
                Map.of("media.throughput", 1e6), Map.of("baseline", Map.of()));

        assertThat(r.passed()).as("no baseline figure: cannot pass").isFalse();
        assertThat(r.threshold()).isNaN();
        assertThat(r.message()).isEqualTo("measured 1.00 Mbit/s, but baseline.media.throughput was not measured, "
                + "so there is nothing to compare with");
    }

    @Test
    void nanMeasurementShouldNeverPass() throws Exception {
        assertThat(check("connect.ok != 1", Map.of("connect.ok", Double.NaN), Map.of()).passed()).isFalse();
    }

    @Test
    void referenceToTheSamePhaseShouldBeRefused() {
        assertThatThrownBy(() -> parse("media.throughput <= throttled.media.throughput"))
                .hasMessage("phase 'throttled' is the phase being checked; expected one of the earlier phases: "
                        + "baseline");
    }

    @Test
    void trailingTextShouldBeRefusedWhereItStarts() {
        assertThatThrownBy(() -> parse("connect.ok >= 1 2")).isInstanceOfSatisfying(
                ExpectationParser.Failure.class, f -> {
                    assertThat(f.offset).isEqualTo(16);
                    assertThat(f.getMessage()).isEqualTo("unexpected '2' after the threshold; expected the end "
                            + "of the expectation");
                });
        assertThatThrownBy(() -> parse("connect.ok >= 1 or 2")).isInstanceOfSatisfying(
                ExpectationParser.Failure.class, f -> {
                    assertThat(f.offset).as("a word after a number reads as its unit").isEqualTo(16);
                    assertThat(f.getMessage()).isEqualTo("connect.ok is a count; expected a plain number, got '1 or'");
                });
    }

    @Test
    void emptyExpectationShouldBeRefused() {
        assertThatThrownBy(() -> parse("   ")).hasMessageStartingWith("expected an expectation such as");
    }

    @Test
    void closestShouldOnlySuggestNearNames() {
        assertThat(ExpectationParser.closest("media.througput", Metric.all())).isEqualTo("media.throughput");
        assertThat(ExpectationParser.closest("chat.latency.p95", Metric.all())).isIn("chat.latency.p50",
                "chat.latency.p90", "chat.latency.p99");
        assertThat(ExpectationParser.closest("printer.paper_jams", Metric.all())).isNull();
    }

    @Test
    void hostileInputShouldFailCleanly() {
        for (String text : new String[] {">=", "a >=", "connect.ok >= .", "connect.ok >= 1e9", "connect.ok >= -1",
                "connect.ok >= 5 *", "connect.ok >= 0.5 * ", "connect.ok >= 0.5 * baseline",
                "connect.ok >= 0.5 * baseline.", "connect.ok >= " + "9".repeat(60), "\u0000", "connect.ok\t>=\t1x"}) {
            assertThatThrownBy(() -> parse(text)).as(text).isInstanceOf(ExpectationParser.Failure.class);
        }
    }
}
