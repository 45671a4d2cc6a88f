package dev.censorsim.policy;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The current {@link CompiledPolicy}, replaced atomically by the control API or a scenario phase change. A volatile
 * read per new flow is all the data plane pays. Live flows learn of a swap through {@link #subscribe}: the proxy
 * re-evaluates each of them against the new policy on its own event loop.
 */
public final class PolicyHolder {

    private final List<Consumer<CompiledPolicy>> subscribers = new CopyOnWriteArrayList<>();
    private volatile CompiledPolicy current;

    public PolicyHolder(CompiledPolicy initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    public CompiledPolicy current() {
        return current;
    }

    /**
     * Publishes {@code next}, then tells every subscriber, on the calling thread. Flows evaluated after this call see
     * {@code next}; none sees a mix of the two. A subscriber that throws does not stop the others; the first
     * exception is rethrown once all were told.
     */
    public void swap(CompiledPolicy next) {
        current = Objects.requireNonNull(next, "next");
        RuntimeException first = null;
        for (Consumer<CompiledPolicy> subscriber : subscribers) {
            try {
                subscriber.accept(next);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Calls {@code onSwap} with the new policy after each {@link #swap}, on the swapping thread; it must not block.
     * Closing the returned handle unsubscribes.
     */
    public Subscription subscribe(Consumer<CompiledPolicy> onSwap) {
        Objects.requireNonNull(onSwap, "onSwap");
        // A fresh wrapper per call, so closing one handle twice, or subscribing the same consumer twice, is exact.
        Consumer<CompiledPolicy> entry = onSwap::accept;
        subscribers.add(entry);
        return () -> subscribers.remove(entry);
    }

    /** A registration made with {@link #subscribe}; {@link #close()} is idempotent. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
