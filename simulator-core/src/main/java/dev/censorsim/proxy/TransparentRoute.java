package dev.censorsim.proxy;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where a transparent front end ({@link ProxyMode#TRANSPARENT}, or a transparent UDP relay) sends an intercepted
 * flow. The kernel hands the flow over with its original destination (TPROXY: the accepted socket's local address,
 * or a datagram's {@code IP_RECVORIGDSTADDR}); normally that destination is the upstream, but a route can redirect a
 * destination elsewhere, as {@code censorsim run --host} sends its made-up addresses to the host's loopback.
 */
public interface TransparentRoute {

    /** Every flow goes to its original destination. */
    TransparentRoute ORIGINAL_DESTINATION = new TransparentRoute() {
        @Override
        public List<InetSocketAddress> upstreams(InetSocketAddress originalDestination) {
            return List.of(originalDestination);
        }

        @Override
        public String target(InetSocketAddress originalDestination) {
            return null;
        }
    };

    /**
     * The upstream addresses for a flow, tried in order until one connects (TCP) or the first (UDP); an empty list
     * refuses the flow (TCP: the client gets a reset).
     */
    List<InetSocketAddress> upstreams(InetSocketAddress originalDestination);

    /** The name the flow is logged and matched under (a {@code --host} name), or {@code null}. */
    String target(InetSocketAddress originalDestination);
}
