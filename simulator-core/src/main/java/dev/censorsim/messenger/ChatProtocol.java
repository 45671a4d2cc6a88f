package dev.censorsim.messenger;

import java.util.Locale;

/** What the chat connection looks like on the wire, below the messages. */
public enum ChatProtocol {

    /** TLS with the chat name in the SNI, as WhatsApp Web and most apps connect. */
    TLS("tls"),
    /**
     * WhatsApp's own chat transport as the mobile app opens it: the edge-routing and {@code WA} prologue, a Noise XX
     * handshake in 3-byte length-prefixed frames, then framed transport messages (see {@link WaNoise}). No SNI.
     */
    WA_NOISE("wa-noise");

    private final String key;

    ChatProtocol(String key) {
        this.key = key;
    }

    /** The name scenario files use. */
    public String key() {
        return key;
    }

    /** The protocol named {@code key} as scenario files write it, or {@code null} for an unknown name. */
    public static ChatProtocol of(String key) {
        for (ChatProtocol p : values()) {
            if (p.key.equals(key.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        return null;
    }
}
