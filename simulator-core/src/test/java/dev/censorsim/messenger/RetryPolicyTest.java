package dev.censorsim.messenger;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {

    @Test
    void delaysShouldDoubleFromBaseUpToMax() {
        RetryPolicy retry = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMillis(500), 0);
        Random random = new Random(1);

        assertThat(retry.delayNanos(0, random)).isZero();
        assertThat(retry.delayNanos(1, random)).isEqualTo(100_000_000L);
        assertThat(retry.delayNanos(2, random)).isEqualTo(200_000_000L);
        assertThat(retry.delayNanos(3, random)).isEqualTo(400_000_000L);
        assertThat(retry.delayNanos(4, random)).isEqualTo(500_000_000L);
        assertThat(retry.delayNanos(60, random)).as("no overflow far out").isEqualTo(500_000_000L);
    }

    @Test
    void jitterShouldSpreadDelaysWithinItsBoundsAndRepeatForASeed() {
        RetryPolicy retry = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 0.5);
        Random random = new Random(7);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1_000; i++) {
            long d = retry.delayNanos(1, random);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }

        assertThat(min).isBetween(50_000_000L, 60_000_000L);
        assertThat(max).isBetween(140_000_000L, 150_000_000L);
        assertThat(retry.delayNanos(2, new Random(3))).isEqualTo(retry.delayNanos(2, new Random(3)));
    }

    @Test
    void invalidSettingsShouldBeRejected() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 0))
                .hasMessageContaining("attempts");
        assertThatThrownBy(() -> new RetryPolicy(2, Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
                .hasMessageContaining("base <= max");
        assertThatThrownBy(() -> new RetryPolicy(2, Duration.ZERO, Duration.ZERO, 1.5))
                .hasMessageContaining("jitter");
    }
}
