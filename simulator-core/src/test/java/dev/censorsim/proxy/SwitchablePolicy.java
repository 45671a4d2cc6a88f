package dev.censorsim.proxy;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A policy source a test switches by hand, then tells the proxy with {@link CensorProxy#reevaluate()}: the scripted
 * counterpart of a {@link dev.censorsim.policy.PolicyHolder} swap.
 */
final class SwitchablePolicy implements Supplier<FlowPolicy> {

    private final AtomicReference<FlowPolicy> current;

    SwitchablePolicy(FlowPolicy initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    @Override
    public FlowPolicy get() {
        return current.get();
    }

    /** Publishes {@code next} and returns once every live flow of {@code proxy} has been re-evaluated against it. */
    void switchTo(FlowPolicy next, CensorProxy proxy) throws Exception {
        current.set(Objects.requireNonNull(next, "next"));
        proxy.reevaluate().get(5, TimeUnit.SECONDS);
    }
}
