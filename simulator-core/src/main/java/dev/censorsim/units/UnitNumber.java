package dev.censorsim.units;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The shared grammar of {@link DataRate}, {@link DataSize} and {@link Durations}: a positive decimal number
 * ({@code 4}, {@code 1.5}, {@code .5}) followed by an optional unit, case-insensitive, spaces allowed between.
 * Exponents are refused on purpose: {@code 1e-999999999} would make exact decimal arithmetic crawl.
 */
final class UnitNumber {

    private static final int MAX_DIGITS = 40;

    final BigDecimal number;
    final String unit;

    private UnitNumber(BigDecimal number, String unit) {
        this.number = number;
        this.unit = unit;
    }

    /** Splits {@code text} into number and lower-cased unit; {@code what} names the quantity in messages. */
    static UnitNumber parse(String text, String what, String units) {
        if (text == null) {
            throw new IllegalArgumentException("expected " + what + " such as " + units);
        }
        String s = text.strip();
        int end = 0;
        boolean dot = false;
        while (end < s.length()) {
            char c = s.charAt(end);
            if (c == '.' && !dot) {
                dot = true;
            } else if (c < '0' || c > '9') {
                break;
            }
            end++;
        }
        String digits = s.substring(0, end);
        if (digits.isEmpty() || digits.equals(".") || end > MAX_DIGITS) {
            throw new IllegalArgumentException("expected " + what + " such as " + units + ", got '" + text + "'");
        }
        BigDecimal number = new BigDecimal(digits);
        String unit = s.substring(end).strip().toLowerCase(Locale.ROOT);
        return new UnitNumber(number, unit);
    }

    /** {@code number * factor / divisor}, rounded half-up to a whole value; fails on overflow. */
    long scaled(long factor, long divisor, String text, String what) {
        BigDecimal value = number.multiply(BigDecimal.valueOf(factor))
                .divide(BigDecimal.valueOf(divisor), 0, RoundingMode.HALF_UP);
        try {
            return value.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is too large");
        }
    }
}
