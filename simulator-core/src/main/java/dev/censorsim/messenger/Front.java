package dev.censorsim.messenger;

import java.util.Locale;

/** How the synthetic messenger client reaches the censor proxy. */
public enum Front {
    /** The client dials a port-forward listener; the censor learns the name from the ClientHello only. */
    FORWARD,
    /** The client dials through SOCKS5 with the name as the target, so rules can also match {@code target}. */
    SOCKS;

    /** The scenario-file spelling, e.g. {@code forward}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
