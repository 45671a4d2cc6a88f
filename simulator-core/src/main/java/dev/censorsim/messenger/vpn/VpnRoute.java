package dev.censorsim.messenger.vpn;

import dev.censorsim.messenger.MessengerTrust;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where a {@link VpnClient} sends the app's connections: into a tunnel of {@code kind} whose packets go to
 * {@code tunnel} (the censor in front of the endpoint, or the endpoint itself), or, with no kind, straight to
 * {@code tunnel} with the app's own bytes (VPN off: the censor sees the app's TLS).
 *
 * @param tunnel where the bytes or packets go
 * @param kind   the tunnel, or {@code null} for a direct route
 * @param sni    the server name a {@code tls} tunnel sends; ignored otherwise
 * @param trust  what a {@code tls} tunnel trusts for the endpoint's certificate; {@code null} otherwise
 * @param psk    the Shadowsocks pre-shared key; {@code null} otherwise
 */
public record VpnRoute(InetSocketAddress tunnel, VpnKind kind, String sni, SSLContext trust, byte[] psk) {

    public VpnRoute {
        Objects.requireNonNull(tunnel, "tunnel");
        if (kind == VpnKind.TLS && (sni == null || trust == null)) {
            throw new IllegalArgumentException("a tls tunnel needs a server name and a CA to trust");
        }
        if (kind == VpnKind.SHADOWSOCKS && (psk == null || psk.length == 0)) {
            throw new IllegalArgumentException("a shadowsocks tunnel needs its pre-shared key");
        }
    }

    /** The app's bytes go to {@code address} as they are. */
    public static VpnRoute direct(InetSocketAddress address) {
        return new VpnRoute(address, null, null, null, null);
    }

    /** A tunnel to {@code endpoint} (in this JVM) whose packets go to {@code tunnel}. */
    public static VpnRoute to(InetSocketAddress tunnel, VpnEndpoint endpoint, String sni) {
        return new VpnRoute(tunnel, endpoint.kind(), sni, endpoint.clientContext(),
                endpoint.kind() == VpnKind.SHADOWSOCKS ? endpoint.psk() : null);
    }

    /**
     * A tunnel to an endpoint in another process: {@code ca} is the endpoint's CA ({@code tls} only), {@code psk} its
     * Shadowsocks key.
     */
    public static VpnRoute remote(VpnKind kind, InetSocketAddress tunnel, String sni, MessengerTrust ca, byte[] psk) {
        return new VpnRoute(tunnel, Objects.requireNonNull(kind, "kind"), sni, ca == null ? null : context(ca), psk);
    }

    private static SSLContext context(MessengerTrust ca) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < ca.authorities().size(); i++) {
                store.setCertificateEntry("ca" + i, ca.authorities().get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot trust the VPN endpoint's CA: " + e.getMessage(), e);
        }
    }
}
