package dev.censorsim.transparent;

import dev.censorsim.proxy.TransparentRoute;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The route of {@code censorsim run}: flows to a {@code --host} name's made-up address go to the host's loopback on
 * the same port (the same family first, then the other, so a server listening on only one of 127.0.0.1 and ::1 is
 * found whichever record the client picked); every other flow goes to its original destination.
 */
final class HostRoute implements TransparentRoute {

    private static final InetAddress LOOPBACK_V4 = address("127.0.0.1");
    private static final InetAddress LOOPBACK_V6 = address("::1");

    private final Map<InetAddress, String> names = new HashMap<>();

    /** Adds a name and its made-up addresses; before any flow, on one thread. */
    void add(String name, InetAddress v4, InetAddress v6) {
        names.put(v4, name);
        names.put(v6, name);
    }

    @Override
    public List<InetSocketAddress> upstreams(InetSocketAddress originalDestination) {
        if (!names.containsKey(originalDestination.getAddress())) {
            return List.of(originalDestination);
        }
        int port = originalDestination.getPort();
        InetSocketAddress v4 = new InetSocketAddress(LOOPBACK_V4, port);
        InetSocketAddress v6 = new InetSocketAddress(LOOPBACK_V6, port);
        return originalDestination.getAddress() instanceof Inet6Address ? List.of(v6, v4) : List.of(v4, v6);
    }

    @Override
    public String target(InetSocketAddress originalDestination) {
        return names.get(originalDestination.getAddress());
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
