package dev.censorsim.messenger;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Where the client's own UDP sockets (calls, QUIC Initials) bind. */
final class UdpSource {

    private UdpSource() {
    }

    /**
     * An ephemeral port on the target's loopback address when the target is on loopback, so traffic to a local censor
     * never leaves it; otherwise any address, and the system picks the source.
     */
    static InetSocketAddress toward(InetSocketAddress target) {
        InetAddress address = target.getAddress();
        return address != null && address.isLoopbackAddress() ? new InetSocketAddress(address, 0)
                : new InetSocketAddress(0);
    }
}
