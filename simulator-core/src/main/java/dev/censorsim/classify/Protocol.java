package dev.censorsim.classify;

import java.util.Locale;

/** What a recogniser decided a flow speaks. The lower-case {@link #wireName()} is what policy files and reports use. */
public enum Protocol {
    TLS, HTTP, QUIC, STUN, RTP, RTCP, DTLS, DNS,
    /** WhatsApp's own Noise-framed chat protocol ({@link WhatsAppPrologue}). */
    WHATSAPP,
    /** Telegram's obfuscated MTProto transport ({@link MtprotoObfuscated}). */
    MTPROTO,
    UNKNOWN;

    private final String wireName = name().toLowerCase(Locale.ROOT);

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
