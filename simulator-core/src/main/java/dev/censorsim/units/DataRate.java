package dev.censorsim.units;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Parses and prints data rates. Bit units are decimal bits per second ({@code bit}, {@code kbit}, {@code mbit},
 * {@code gbit}: {@code 4mbit} = 500 000 B/s), byte units decimal bytes per second ({@code b}, {@code kb}, {@code mb},
 * {@code gb}) plus binary {@code kib}, {@code mib}; a bare number is bytes per second. An optional {@code /s} suffix is
 * accepted ({@code 4mbit/s}), so what {@link #format(long)} prints parses back. Case-insensitive.
 */
public final class DataRate {

    /** The accepted forms, as error messages name them. */
    public static final String UNITS = "4mbit, 500kbit, 2mb, 64kib (bit, kbit, mbit, gbit, b, kb, mb, gb, kib, mib)";

    private DataRate() {
    }

    /**
     * Bytes per second for {@code text}, rounded to the nearest byte.
     *
     * @throws IllegalArgumentException with a message naming the expected form when the text is not a positive rate,
     *                                  rounds to 0 B/s, or overflows a {@code long}
     */
    public static long parseBytesPerSecond(String text) {
        UnitNumber n = UnitNumber.parse(text, "a rate", UNITS);
        long bytes = n.scaled(bitsPerUnit(n, text), 8, text, "rate");
        if (bytes <= 0) {
            throw new IllegalArgumentException("rate '" + text + "' is below 1 byte/s; expected a positive rate");
        }
        return bytes;
    }

    /**
     * Bits per second for {@code text}, exactly as written (no rounding to whole bytes): for thresholds, where
     * {@code 130.1kbit} must mean 130 100 bit/s and {@code 1bit} one bit, not a byte.
     *
     * @throws IllegalArgumentException with a message naming the expected form when the text is not a positive rate
     */
    public static double parseBitsPerSecond(String text) {
        UnitNumber n = UnitNumber.parse(text, "a rate", UNITS);
        long bitsPerUnit = bitsPerUnit(n, text);
        if (n.number.signum() <= 0) {
            throw new IllegalArgumentException("rate '" + text + "' is zero; expected a positive rate");
        }
        // At most 40 digits times 8e9: always a finite double.
        return n.number.multiply(BigDecimal.valueOf(bitsPerUnit)).doubleValue();
    }

    /** The bits per second of one of {@code n}'s unit ({@code /s} optional). */
    private static long bitsPerUnit(UnitNumber n, String text) {
        String unit = n.unit.endsWith("/s") ? n.unit.substring(0, n.unit.length() - 2).strip() : n.unit;
        switch (unit) {
            case "": case "b": return 8;
            case "kb": return 8_000L;
            case "mb": return 8_000_000L;
            case "gb": return 8_000_000_000L;
            case "kib": return 8L << 10;
            case "mib": return 8L << 20;
            case "bit": return 1;
            case "kbit": return 1_000L;
            case "mbit": return 1_000_000L;
            case "gbit": return 1_000_000_000L;
            default:
                throw new IllegalArgumentException("unknown rate unit '" + n.unit + "' in '" + text
                        + "'; expected a rate such as " + UNITS);
        }
    }

    /** A human rate in decimal bits per second, e.g. {@code "4 mbit/s"} or {@code "12.5 mbit/s"}. */
    public static String format(long bytesPerSecond) {
        BigDecimal bits = BigDecimal.valueOf(bytesPerSecond).multiply(BigDecimal.valueOf(8));
        String[] units = {"bit/s", "kbit/s", "mbit/s", "gbit/s"};
        int i = 0;
        while (i < units.length - 1 && bits.compareTo(BigDecimal.valueOf(1000)) >= 0) {
            bits = bits.divide(BigDecimal.valueOf(1000));
            i++;
        }
        return bits.setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + " " + units[i];
    }
}
