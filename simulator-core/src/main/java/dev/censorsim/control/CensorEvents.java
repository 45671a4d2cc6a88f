package dev.censorsim.control;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The censor's event stream: one JSON object per line ({@code flow-ended}, {@code udp-flow-ended},
 * {@code policy-switched}), handed to every subscriber on the publishing thread (often an event loop), so a subscriber
 * must not block: the control server's stream writes to a channel and drops lines while that channel is not writable.
 */
public final class CensorEvents {

    private final List<Consumer<String>> subscribers = new CopyOnWriteArrayList<>();
    private final LongAdder published = new LongAdder();

    /** Sends {@code jsonLine} (no trailing newline) to every subscriber; one that throws is skipped. */
    public void publish(String jsonLine) {
        published.increment();
        for (Consumer<String> subscriber : subscribers) {
            try {
                subscriber.accept(jsonLine);
            } catch (RuntimeException ignored) {
                // A broken subscriber must not affect the data plane or the other subscribers.
            }
        }
    }

    /** Registers {@code subscriber}; closing the handle removes it. */
    public AutoCloseable subscribe(Consumer<String> subscriber) {
        Consumer<String> entry = subscriber::accept;
        subscribers.add(entry);
        return () -> subscribers.remove(entry);
    }

    /** How many subscribers are listening now. */
    public int subscribers() {
        return subscribers.size();
    }

    /** How many events were published since start. */
    public long published() {
        return published.sum();
    }
}
