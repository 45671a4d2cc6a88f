package dev.censorsim.classify;

import java.util.Locale;

/**
 * What a recogniser decided a flow speaks. The lower-case {@link #wireName()} (underscores as hyphens) is what policy
 * files and reports use: {@code tls}, {@code wireguard}, {@code fully-encrypted}.
 *
 * <p>The VPN values: {@code wireguard} ({@link WireGuardRecognizer}), {@code openvpn} over UDP or TCP
 * ({@link OpenVpnRecognizer}), {@code ikev2} (IKE on UDP 500, or on 4500 behind the non-ESP marker), {@code esp}
 * (ESP in UDP on 4500, RFC 3948) ({@link IpsecRecognizer}), {@code l2tp} ({@link L2tpRecognizer}), and
 * {@code fully-encrypted}: the first client data packet of a TCP flow looks random, as the Great Firewall has judged
 * since November 2021 ({@link FullyEncryptedRecognizer}).
 */
public enum Protocol {
    TLS, HTTP, QUIC, STUN, RTP, RTCP, DTLS, DNS, WIREGUARD, OPENVPN, IKEV2, ESP, L2TP, FULLY_ENCRYPTED,
    /** WhatsApp's own Noise-framed chat protocol ({@link WhatsAppPrologue}). */
    WHATSAPP,
    /** Telegram's obfuscated MTProto transport ({@link MtprotoObfuscated}). */
    MTPROTO,
    UNKNOWN;

    private final String wireName = name().toLowerCase(Locale.ROOT).replace('_', '-');

    public String wireName() {
        return wireName;
    }

    /** Parses a policy-file name such as {@code "tls"}; returns {@code null} when there is no such protocol. */
    public static Protocol fromWireName(String name) {
        for (Protocol p : values()) {
            if (p.wireName.equalsIgnoreCase(name)) {
                return p;
            }
        }
        return null;
    }
}
