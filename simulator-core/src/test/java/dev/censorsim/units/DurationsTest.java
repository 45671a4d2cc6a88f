package dev.censorsim.units;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DurationsTest {

    @Test
    void everyUnitShouldGiveNanoseconds() {
        assertThat(Durations.parseNanos("250ns")).isEqualTo(250);
        assertThat(Durations.parseNanos("500us")).isEqualTo(500_000);
        assertThat(Durations.parseNanos("200ms")).isEqualTo(200_000_000);
        assertThat(Durations.parseNanos("1.5s")).isEqualTo(1_500_000_000);
        assertThat(Durations.parseNanos("2m")).as("m is minutes").isEqualTo(120_000_000_000L);
        assertThat(Durations.parseNanos("200MS")).isEqualTo(200_000_000);
        assertThat(Durations.parseNanos("0ms")).as("zero jitter is allowed").isZero();
    }

    @Test
    void bareNumbersUnknownUnitsAndOverflowShouldBeRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parseNanos("200"))
                .withMessageContaining("needs a unit");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parseNanos("2h"))
                .withMessageContaining("unknown duration unit 'h'");
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parseNanos("-5ms"));
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parseNanos("200000000m"))
                .withMessageContaining("too large");
    }

    @Test
    void formatShouldPickTheLargestWholeUnit() {
        assertThat(Durations.format(200_000_000)).isEqualTo("200ms");
        assertThat(Durations.format(1_500_000_000)).isEqualTo("1.5s");
        assertThat(Durations.format(50_000)).isEqualTo("50us");
        assertThat(Durations.format(7)).isEqualTo("7ns");
    }
}
