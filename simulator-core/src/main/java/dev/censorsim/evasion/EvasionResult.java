package dev.censorsim.evasion;

import java.util.Objects;

/**
 * One row of the matrix.
 *
 * @param evasion what the client did
 * @param outcome what it saw
 * @param detail  the evidence in plain words (bytes, time, rate)
 */
public record EvasionResult(Evasion evasion, EvasionOutcome outcome, String detail) {

    public EvasionResult {
        Objects.requireNonNull(evasion, "evasion");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code {"evasion": NAME, "outcome": "blocked"|"throttled"|"passed", "detail": ...}} on one line. */
    public String toJson() {
        return "{\"evasion\": \"" + evasion.wireName() + "\", \"outcome\": \"" + outcome.wireName()
                + "\", \"detail\": \"" + escape(detail) + "\"}";
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
