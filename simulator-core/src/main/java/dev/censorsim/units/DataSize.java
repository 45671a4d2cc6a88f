package dev.censorsim.units;

/**
 * Parses byte counts: decimal {@code b}, {@code kb}, {@code mb} ({@code 16kb} = 16 000) and binary {@code kib},
 * {@code mib} ({@code 16kib} = 16 384); a bare number is bytes. Case-insensitive.
 */
public final class DataSize {

    /** The accepted forms, as error messages name them. */
    public static final String UNITS = "16kb, 16kib, 1mb, 512 (b, kb, mb, kib, mib)";

    private DataSize() {
    }

    /**
     * Bytes for {@code text}, rounded to the nearest byte.
     *
     * @throws IllegalArgumentException when the text is not a positive size, rounds to 0, or overflows a {@code long}
     */
    public static long parseBytes(String text) {
        UnitNumber n = UnitNumber.parse(text, "a size", UNITS);
        long bytes;
        switch (n.unit) {
            case "": case "b": bytes = n.scaled(1, 1, text, "size"); break;
            case "kb": bytes = n.scaled(1_000L, 1, text, "size"); break;
            case "mb": bytes = n.scaled(1_000_000L, 1, text, "size"); break;
            case "kib": bytes = n.scaled(1L << 10, 1, text, "size"); break;
            case "mib": bytes = n.scaled(1L << 20, 1, text, "size"); break;
            default:
                throw new IllegalArgumentException("unknown size unit '" + n.unit + "' in '" + text
                        + "'; expected a size such as " + UNITS);
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException("size '" + text + "' is below 1 byte; expected a positive size");
        }
        return bytes;
    }
}
