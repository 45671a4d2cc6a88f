package dev.censorsim.policy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/** All time here is simulated: the caller passes {@code nowNanos}, so the tests are exact and never sleep. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void shaperFollowingNanosUntilShouldHoldTheRateWithinPointOnePercent() {
        for (long rate : new long[]{8_000, 16_250, 500_000, 6_250_000, 125_000_000}) {
            final long start = 1_000;
            long now = start;
            TokenBucket bucket = new TokenBucket(rate, TokenBucket.defaultBurst(rate), now);
            // A relay never asks for more than the burst at once: nanosUntil caps there.
            long chunk = Math.min(1_400, bucket.burstBytes());
            long sent = 0;
            long end = start + 10 * SECOND;
            // A relay that asks when the next chunk may go, sleeps exactly that long, and sends.
            while (true) {
                long wait = bucket.nanosUntil(chunk, now);
                if (now + wait > end) {
                    break;
                }
                now += wait;
                long granted = bucket.take(chunk, now);
                assertThat(granted).as("nanosUntil is a ceiling: the wake-up is never one token short")
                        .isEqualTo(chunk);
                sent += granted;
            }
            // Over the time the sends took, not the window: the last chunk that did not fit would skew a slow rate.
            double measured = (sent - bucket.burstBytes()) * (double) SECOND / (now - start);
            assertThat(measured).as("rate %d B/s over ~10 simulated seconds", rate)
                    .isCloseTo(rate, within(rate * 0.001));
        }
    }

    @Test
    void refillShouldNotDriftWithOddPollingIntervals() {
        long rate = 3_000;
        long start = 0;
        TokenBucket bucket = new TokenBucket(rate, 512, start);
        bucket.take(512, start);
        long granted = 0;
        long now = start;
        // 333 us steps: each adds 0.999 tokens, which rounds to 0 in a naive "tokens += elapsed * rate" with a clock
        // reset to now; the bucket must carry the remainder instead.
        for (int i = 0; i < 30_000; i++) {
            now += 333_000;
            granted += bucket.take(Long.MAX_VALUE, now);
        }
        long expected = (now - start) * rate / SECOND;
        assertThat(granted).isCloseTo(expected, within(1L));
    }

    @Test
    void tokensShouldNeverExceedTheBurstAfterIdle() {
        TokenBucket bucket = new TokenBucket(1_000_000, 20_000, 0);

        assertThat(bucket.take(Long.MAX_VALUE, 0)).as("starts full").isEqualTo(20_000);
        assertThat(bucket.take(Long.MAX_VALUE, 60 * SECOND)).as("a minute idle still gives one burst")
                .isEqualTo(20_000);
        assertThat(bucket.take(1, 60 * SECOND)).isZero();
    }

    @Test
    void longIdleShouldNotOverflowEvenAtHighRates() {
        long start = Long.MAX_VALUE - SECOND;
        TokenBucket bucket = new TokenBucket(10_000_000_000L, 200_000_000, start);
        bucket.take(Long.MAX_VALUE, start);

        long afterWrap = start + Long.MAX_VALUE / 2;
        assertThat(bucket.take(Long.MAX_VALUE, afterWrap))
                .as("elapsed * rate would overflow a long; nanoTime may wrap").isEqualTo(200_000_000);
        assertThat(bucket.nanosUntil(1, afterWrap)).isEqualTo(1);
    }

    @Test
    void giveBackShouldReturnUnusedTokensUpToTheBurst() {
        TokenBucket bucket = new TokenBucket(1_000, 1_000, 0);
        long taken = bucket.take(800, 0);

        bucket.giveBack(300);
        assertThat(bucket.take(Long.MAX_VALUE, 0)).isEqualTo(500);
        bucket.giveBack(5_000);
        assertThat(bucket.take(Long.MAX_VALUE, 0)).as("capped at the burst").isEqualTo(1_000);
        bucket.giveBack(-5);
        bucket.giveBack(0);
        assertThat(bucket.take(Long.MAX_VALUE, 0)).isZero();
        assertThat(taken).isEqualTo(800);
    }

    @Test
    void nanosUntilShouldRoundUpAndCapAtTheBurst() {
        TokenBucket bucket = new TokenBucket(3, 512, 0);
        bucket.take(512, 0);

        assertThat(bucket.nanosUntil(1, 0)).isEqualTo(333_333_334);
        assertThat(bucket.take(1, 333_333_333)).as("one nanosecond early").isZero();
        assertThat(bucket.take(1, 333_333_334)).isEqualTo(1);
        assertThat(bucket.nanosUntil(10_000, 333_333_334)).as("wanting more than the burst waits for a full bucket")
                .isEqualTo((512L * SECOND + 2) / 3);
        assertThat(new TokenBucket(3, 512, 0).nanosUntil(100, 0)).isZero();
    }

    @Test
    void defaultBurstShouldBeTwentyMillisecondsButAtLeast512Bytes() {
        assertThat(TokenBucket.defaultBurst(500_000)).isEqualTo(10_000);
        assertThat(TokenBucket.defaultBurst(16_250)).isEqualTo(512);
        assertThat(TokenBucket.forRate(500_000).burstBytes()).isEqualTo(10_000);
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(0, 1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucket(1, 0, 0));
    }

    @Test
    void concurrentTakersShouldNeverBeGrantedMoreThanTheBucketHolds() throws Exception {
        TokenBucket bucket = new TokenBucket(1, 1_000_000, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    long got = 0;
                    for (int i = 0; i < 100_000; i++) {
                        got += bucket.take(7, 0);
                    }
                    return got;
                }));
            }
            long total = 0;
            for (Future<Long> f : results) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(1_000_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
