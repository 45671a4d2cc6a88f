package dev.censorsim.evasion;

import java.util.Locale;

/** What the client saw with an evasion: the lower-case {@link #wireName()} is what the JSON and the table show. */
public enum EvasionOutcome {
    /** A reset, a close, or silence (a black hole or a freeze that stalled the response). */
    BLOCKED,
    /** The response arrived, or kept arriving, well below the rate of the uncensored control. */
    THROTTLED,
    /** The response arrived at about the control's rate. */
    PASSED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
