package dev.censorsim.policy;

import java.util.Locale;

/** How a rule compares a flow's host names with its domain entries. */
public enum MatchingMode {
    /**
     * The entry equals the name or is a parent domain of it on a label boundary, case-insensitively, with a trailing
     * dot ignored: {@code whatsapp.net} matches {@code MMG.WhatsApp.net.} but not {@code notwhatsapp.net}.
     */
    LABEL,
    /**
     * The name contains the entry anywhere, case-insensitively: the loose match of the 2021 Twitter throttler, where
     * {@code t.co} also hit {@code microsoft.com}.
     */
    SUBSTRING,
    /**
     * The entry equals the name or is a parent domain of it on a label boundary, byte for byte: no case folding and
     * no trailing dot removed, as the 2021 Twitter throttler compared names, so {@code twitter.com.} and
     * {@code TWITTER.com} evaded it (Xue et al., "Throttling Twitter", IMC 2021).
     */
    RAW;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code label}, {@code substring} or {@code raw}; {@code null} for anything else. */
    public static MatchingMode fromWireName(String name) {
        for (MatchingMode m : values()) {
            if (m.wireName().equals(name)) {
                return m;
            }
        }
        return null;
    }
}
