package dev.censorsim.messenger.vpn;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a {@link VpnClient} sends the app's connections: into a tunnel to {@code endpoint} whose packets go to
 * {@code tunnel} (the censor in front of the endpoint), or, with no endpoint, straight to {@code tunnel} with the
 * app's own bytes (VPN off: the censor sees the app's TLS).
 *
 * @param tunnel   where the bytes or packets go
 * @param endpoint the endpoint, or {@code null} for a direct route
 * @param sni      the server name a {@code tls} tunnel sends; ignored otherwise
 */
public record VpnRoute(InetSocketAddress tunnel, VpnEndpoint endpoint, String sni) {

    public VpnRoute {
        Objects.requireNonNull(tunnel, "tunnel");
    }

    /** The app's bytes go to {@code address} as they are. */
    public static VpnRoute direct(InetSocketAddress address) {
        return new VpnRoute(address, null, null);
    }

    /** The tunnel's kind, or {@code null} for a direct route. */
    public VpnKind kind() {
        return endpoint == null ? null : endpoint.kind();
    }
}
