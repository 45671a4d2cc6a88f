package dev.censorsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class OnceTeardownTest {

    @Test
    void aSecondCallerShouldWaitUntilTheFirstHasFinishedAndNotRunItAgain() throws Exception {
        // The main thread has begun the teardown; SIGTERM's shutdown hook asks for it too. Returning at once let the
        // JVM exit half way through, leaving the namespace and the rules behind.
        CountDownLatch inTeardown = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        OnceTeardown teardown = new OnceTeardown(() -> {
            runs.incrementAndGet();
            inTeardown.countDown();
            awaitQuietly(release);
        }, 20_000);
        Thread first = new Thread(teardown);
        first.start();
        assertThat(inTeardown.await(10, TimeUnit.SECONDS)).isTrue();

        AtomicBoolean secondReturned = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            teardown.run();
            secondReturned.set(true);
        });
        hook.start();
        hook.join(300);
        assertThat(secondReturned).as("the second caller waits while the teardown runs").isFalse();

        release.countDown();
        hook.join(10_000);
        first.join(10_000);
        assertThat(secondReturned).as("and returns once it is done").isTrue();
        assertThat(runs).as("which ran once").hasValue(1);
    }

    @Test
    void aSecondCallerShouldStopWaitingAtItsBound() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        OnceTeardown teardown = new OnceTeardown(() -> {
            entered.countDown();
            awaitQuietly(never);
        }, 200);
        Thread first = new Thread(teardown);
        first.setDaemon(true);
        first.start();
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        teardown.run();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(100L, 5_000L);
        never.countDown();
        first.join(10_000);
    }

    /** A teardown that takes as long as the test holds {@code latch} (10 s at most). */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
