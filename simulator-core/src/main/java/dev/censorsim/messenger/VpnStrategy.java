package dev.censorsim.messenger;

import dev.censorsim.messenger.vpn.VpnKind;


/**
 * {@code strategies: { vpn: wireguard }} or {@code vpn: { kind: tls, sni: www.example.test }}: the app's chat and
 * media go through a tunnel of this kind to a VPN endpoint beside the messenger server, through the censor. A phase may
 * say {@code vpn: none} ({@link #NONE}) or name another kind: the user turned the VPN off or switched protocol.
 *
 * @param kind the tunnel, or {@code null} for {@link #NONE}
 * @param sni  the server name a {@code tls} tunnel sends (an innocuous one is the point); {@code null} otherwise
 */
public record VpnStrategy(VpnKind kind, String sni) {

    /** The name a {@code tls} tunnel sends when the scenario names none. */
    public static final String DEFAULT_SNI = "www.microsoft.com";
    /** No VPN: the app's connections go to the censor as they are. */
    public static final VpnStrategy NONE = new VpnStrategy(null, null);

    public VpnStrategy {
        if (kind == VpnKind.TLS && sni == null) {
            sni = DEFAULT_SNI;
        }
    }
}
