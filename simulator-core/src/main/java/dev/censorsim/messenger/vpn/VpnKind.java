package dev.censorsim.messenger.vpn;

import java.util.Locale;

/** Which tunnel the messenger uses: the {@code strategies: { vpn: ... }} values. */
public enum VpnKind {
    WIREGUARD(true), OPENVPN(true), IKEV2(true), SHADOWSOCKS(false), TLS(false);

    private final boolean udp;
    private final String wireName = name().toLowerCase(Locale.ROOT);

    VpnKind(boolean udp) {
        this.udp = udp;
    }

    /** Whether the tunnel runs over UDP (through the censor's UDP relay) rather than TCP (through its proxy). */
    public boolean udp() {
        return udp;
    }

    public String wireName() {
        return wireName;
    }

    /** The kind named {@code name} in a scenario, or {@code null}. */
    public static VpnKind fromWireName(String name) {
        for (VpnKind kind : values()) {
            if (kind.wireName.equalsIgnoreCase(name)) {
                return kind;
            }
        }
        return null;
    }
}
