package dev.censorsim.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A teardown that two threads may both start: the command's own end and the shutdown hook that SIGINT or SIGTERM
 * runs. The first does it; the other waits until it is done (at most {@code waitMillis}) instead of returning at
 * once. Returning at once let the JVM exit half way through a teardown the main thread had begun (Ctrl-C at a
 * terminal signals the command and the JVM together), leaving the namespace, rules or nftables table behind.
 */
final class OnceTeardown implements Runnable {

    private final Runnable teardown;
    private final long waitMillis;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    OnceTeardown(Runnable teardown, long waitMillis) {
        this.teardown = teardown;
        this.waitMillis = waitMillis;
    }

    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) {
            try {
                done.await(waitMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            teardown.run();
        } finally {
            done.countDown();
        }
    }
}
