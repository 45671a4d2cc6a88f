package dev.censorsim.scenario;

import dev.censorsim.messenger.vpn.VpnKind;

import java.util.Objects;

/**
 * {@code strategies: { vpn: wireguard }} or {@code vpn: { kind: tls, sni: www.example.test }}: the app's chat and
 * media go through a tunnel of this kind to a VPN endpoint beside the messenger server, through the censor.
 *
 * @param kind the tunnel
 * @param sni  the server name a {@code tls} tunnel sends (an innocuous one is the point); {@code null} otherwise
 */
public record VpnStrategy(VpnKind kind, String sni) {

    /** The name a {@code tls} tunnel sends when the scenario names none. */
    public static final String DEFAULT_SNI = "www.microsoft.com";

    public VpnStrategy {
        Objects.requireNonNull(kind, "kind");
        if (kind == VpnKind.TLS && sni == null) {
            sni = DEFAULT_SNI;
        }
    }
}
