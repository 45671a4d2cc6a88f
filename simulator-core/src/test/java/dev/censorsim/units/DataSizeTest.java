package dev.censorsim.units;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DataSizeTest {

    @Test
    void decimalAndBinaryUnitsShouldGiveBytes() {
        assertThat(DataSize.parseBytes("512")).isEqualTo(512);
        assertThat(DataSize.parseBytes("512b")).isEqualTo(512);
        assertThat(DataSize.parseBytes("16kb")).isEqualTo(16_000);
        assertThat(DataSize.parseBytes("16KiB")).isEqualTo(16_384);
        assertThat(DataSize.parseBytes("1mb")).isEqualTo(1_000_000);
        assertThat(DataSize.parseBytes("1.5MiB")).isEqualTo(1_572_864);
    }

    @Test
    void rateOnlyAndUnknownUnitsShouldBeRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DataSize.parseBytes("16kbit"))
                .withMessageContaining("unknown size unit 'kbit'");
        assertThatIllegalArgumentException().isThrownBy(() -> DataSize.parseBytes("1gb"))
                .as("sizes stop at mb: a freeze after a gigabyte is a typo").withMessageContaining("'gb'");
        assertThatIllegalArgumentException().isThrownBy(() -> DataSize.parseBytes("0kb"))
                .withMessageContaining("below 1 byte");
        assertThatIllegalArgumentException().isThrownBy(() -> DataSize.parseBytes("kb"));
        assertThatIllegalArgumentException().isThrownBy(() -> DataSize.parseBytes("99999999999999999999mib"))
                .withMessageContaining("too large");
    }
}
