package dev.censorsim.units;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DataRateTest {

    @Test
    void bitUnitsShouldBeDecimalBitsPerSecond() {
        assertThat(DataRate.parseBytesPerSecond("8bit")).isEqualTo(1);
        assertThat(DataRate.parseBytesPerSecond("128kbit")).isEqualTo(16_000);
        assertThat(DataRate.parseBytesPerSecond("4mbit")).isEqualTo(500_000);
        assertThat(DataRate.parseBytesPerSecond("1.5mbit")).isEqualTo(187_500);
        assertThat(DataRate.parseBytesPerSecond("10gbit")).isEqualTo(1_250_000_000);
    }

    @Test
    void byteUnitsShouldBeDecimalOrBinaryBytesPerSecond() {
        assertThat(DataRate.parseBytesPerSecond("500")).as("a bare number is bytes per second").isEqualTo(500);
        assertThat(DataRate.parseBytesPerSecond("500b")).isEqualTo(500);
        assertThat(DataRate.parseBytesPerSecond("2kb")).isEqualTo(2_000);
        assertThat(DataRate.parseBytesPerSecond("2mb")).isEqualTo(2_000_000);
        assertThat(DataRate.parseBytesPerSecond("1gb")).isEqualTo(1_000_000_000);
        assertThat(DataRate.parseBytesPerSecond("64kib")).isEqualTo(65_536);
        assertThat(DataRate.parseBytesPerSecond("2mib")).isEqualTo(2 * 1_048_576);
    }

    @Test
    void unitsShouldBeCaseInsensitiveAndAllowSpacesAndPerSecondSuffix() {
        assertThat(DataRate.parseBytesPerSecond("4MBit")).isEqualTo(500_000);
        assertThat(DataRate.parseBytesPerSecond(" 4 mbit ")).isEqualTo(500_000);
        assertThat(DataRate.parseBytesPerSecond("4mbit/s")).isEqualTo(500_000);
        assertThat(DataRate.parseBytesPerSecond(".5kb")).isEqualTo(500);
    }

    @Test
    void bitsPerSecondShouldBeExactWhereBytesPerSecondRound() {
        assertThat(DataRate.parseBytesPerSecond("130.1kbit")).as("16,262.5 B/s rounds").isEqualTo(16_263);
        assertThat(DataRate.parseBitsPerSecond("130.1kbit")).isEqualTo(130_100.0);
        assertThat(DataRate.parseBitsPerSecond("1bit")).isEqualTo(1.0);
        assertThat(DataRate.parseBitsPerSecond("2mb/s")).isEqualTo(16e6);
        assertThat(DataRate.parseBitsPerSecond("64KiB")).isEqualTo(524_288.0);
        assertThat(DataRate.parseBitsPerSecond("10")).as("a bare number is bytes, as for parseBytesPerSecond")
                .isEqualTo(80.0);
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBitsPerSecond("0mbit"))
                .withMessage("rate '0mbit' is zero; expected a positive rate");
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBitsPerSecond("4mbps"))
                .withMessageContaining("unknown rate unit 'mbps'");
    }

    @Test
    void formatShouldParseBack() {
        for (long rate : new long[]{1, 16_000, 187_500, 500_000, 1_250_000_000, 6_250_000}) {
            assertThat(DataRate.parseBytesPerSecond(DataRate.format(rate))).as(DataRate.format(rate)).isEqualTo(rate);
        }
        assertThat(DataRate.format(500_000)).isEqualTo("4 mbit/s");
        assertThat(DataRate.format(16_250)).isEqualTo("130 kbit/s");
    }

    @Test
    void nonPositiveNonNumericUnknownAndOverflowingRatesShouldBeRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("0mbit"))
                .withMessageContaining("below 1 byte/s");
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("1bit"))
                .as("1 bit/s rounds to 0 bytes/s").withMessageContaining("below 1 byte/s");
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("-1mbit"));
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("NaN"));
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("Infinity"));
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("1e3mbit"))
                .withMessageContaining("unknown rate unit 'e3mbit'");
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("4mbps"))
                .withMessageContaining("unknown rate unit 'mbps'");
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("1.2.3mbit"));
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond(""));
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond(null));
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("9223372036854775808"))
                .withMessageContaining("too large");
        assertThatIllegalArgumentException().isThrownBy(() -> DataRate.parseBytesPerSecond("9300000000gb"))
                .withMessageContaining("too large");
        assertThat(DataRate.parseBytesPerSecond("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    }
}
