package dev.censorsim.units;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Parses durations with a required unit: {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m} (minutes), e.g.
 * {@code 200ms}, {@code 1.5s}. Case-insensitive. A bare number is refused: {@code latency: 200} would otherwise be a
 * guess between milliseconds and seconds.
 */
public final class Durations {

    /** The accepted forms, as error messages name them. */
    public static final String UNITS = "200ms, 1.5s, 500us, 2m (ns, us, ms, s, m)";

    private Durations() {
    }

    /**
     * Nanoseconds for {@code text}, rounded to the nearest nanosecond; zero is allowed ({@code jitter: 0ms}).
     *
     * @throws IllegalArgumentException when the text is not a non-negative duration with a unit, or overflows
     */
    public static long parseNanos(String text) {
        UnitNumber n = UnitNumber.parse(text, "a duration", UNITS);
        switch (n.unit) {
            case "ns": return n.scaled(1, 1, text, "duration");
            case "us": return n.scaled(1_000L, 1, text, "duration");
            case "ms": return n.scaled(1_000_000L, 1, text, "duration");
            case "s": return n.scaled(1_000_000_000L, 1, text, "duration");
            case "m": return n.scaled(60_000_000_000L, 1, text, "duration");
            case "":
                throw new IllegalArgumentException("duration '" + text + "' needs a unit; expected a duration such as "
                        + UNITS);
            default:
                throw new IllegalArgumentException("unknown duration unit '" + n.unit + "' in '" + text
                        + "'; expected a duration such as " + UNITS);
        }
    }

    /** A human duration, e.g. {@code "200ms"} or {@code "1.5s"}. */
    public static String format(long nanos) {
        if (nanos >= 1_000_000_000L) {
            return scaled(nanos, 1_000_000_000L) + "s";
        }
        if (nanos >= 1_000_000L) {
            return scaled(nanos, 1_000_000L) + "ms";
        }
        if (nanos >= 1_000L) {
            return scaled(nanos, 1_000L) + "us";
        }
        return nanos + "ns";
    }

    private static String scaled(long nanos, long unit) {
        return BigDecimal.valueOf(nanos).divide(BigDecimal.valueOf(unit), 3, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }
}
