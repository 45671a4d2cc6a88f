package dev.censorsim.capture;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for the {@link ShardedClassifier} pipeline, which crosses one every few hundred microseconds.
 * Waiters spin first ({@link Thread#onSpinWait()}): on idle cores the hand-over then costs well under a microsecond,
 * where a park and an unpark cost tens. A waiter still waiting after the spin parks, and the last party to arrive
 * unparks every party: on a busy machine the thread being waited for is often not running, and a parked waiter gives
 * it the core (a spinning or yielding one kept it: measured at load 25 on the 2-core box, the pipeline's waits were
 * four times its work). It can be broken, releasing every waiter, when a party fails.
 */
final class SpinBarrier {

    /** A few microseconds of spinning: the usual imbalance of a step on a quiet machine. */
    private static final int SPINS = 2_000;
    /** Longest park between checks: a lost unpark costs at most this. */
    private static final long PARK_NANOS = 200_000;

    private final Thread[] parties;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    private volatile boolean broken;

    SpinBarrier(int parties) {
        this.parties = new Thread[parties];
    }

    /** Registers the calling thread as party {@code index}, so that the last to arrive can unpark it. */
    void register(int index) {
        parties[index] = Thread.currentThread();
    }

    /**
     * Waits until every party has arrived; everything a party wrote before arriving is visible to every party after.
     *
     * @return {@code false} when the barrier was broken
     */
    boolean await() {
        int current = generation;
        if (arrived.incrementAndGet() == parties.length) {
            arrived.set(0);
            generation = current + 1;
            wakeAll();
            return !broken;
        }
        int spins = 0;
        while (generation == current) {
            if (broken) {
                return false;
            }
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
        }
        return !broken;
    }

    private void wakeAll() {
        Thread self = Thread.currentThread();
        for (Thread party : parties) {
            if (party != null && party != self) {
                LockSupport.unpark(party);
            }
        }
    }

    /** Releases every waiter, now and later, with {@code false}. */
    void breakBarrier() {
        broken = true;
        wakeAll();
    }
}
