package dev.censorsim.proxy.udp;

/**
 * Receives one {@link UdpFlowRecord} per UDP flow when it ends. Called on the relay's event loop: implementations must
 * be thread-safe and must not block.
 */
@FunctionalInterface
public interface UdpFlowListener {

    UdpFlowListener NOOP = flow -> { };

    void flowEnded(UdpFlowRecord flow);
}
