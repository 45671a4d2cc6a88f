package dev.censorsim.proxy;

/**
 * Receives one {@link FlowRecord} per flow when it ends. Called on the flow's event loop, from many event loops at
 * once: implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface FlowListener {

    FlowListener NOOP = flow -> { };

    void flowEnded(FlowRecord flow);
}
