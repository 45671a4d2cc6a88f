package dev.censorsim.scenario;

/** The operator of an expectation. */
public enum Comparison {
    GE(">="), LE("<="), GT(">"), LT("<"), EQ("=="), NE("!=");

    /**
     * Relative slack for {@code ==} and {@code !=}: thresholds pass through unit conversions ({@code 30mbit} to bit/s,
     * {@code 1.5s} to seconds) that may be off in the last bits.
     */
    private static final double EQUAL_TOLERANCE = 1e-9;

    private final String symbol;

    Comparison(String symbol) {
        this.symbol = symbol;
    }

    /** How expressions write it, e.g. {@code >=}. */
    public String symbol() {
        return symbol;
    }

    /**
     * Whether {@code measured op threshold} holds; false when either side is NaN. With {@code exact}, {@code ==} and
     * {@code !=} compare exactly, as they must for counts (the relative tolerance, meant for thresholds converted
     * between units, let {@code media.bytes == 4000000000} hold for anything within 4 bytes of it).
     */
    public boolean test(double measured, double threshold, boolean exact) {
        if (Double.isNaN(measured) || Double.isNaN(threshold)) {
            return false;
        }
        switch (this) {
            case GE: return measured >= threshold;
            case LE: return measured <= threshold;
            case GT: return measured > threshold;
            case LT: return measured < threshold;
            case EQ: return exact ? measured == threshold : equal(measured, threshold);
            case NE: return exact ? measured != threshold : !equal(measured, threshold);
            default: throw new AssertionError(this);
        }
    }

    private static boolean equal(double a, double b) {
        return a == b || Math.abs(a - b) <= EQUAL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
    }

    /** The operator spelled at the start of {@code text} from {@code offset}, or {@code null}. */
    static Comparison at(String text, int offset) {
        for (Comparison c : values()) {
            if (text.startsWith(c.symbol, offset)) {
                // ">=" is listed before ">", so the two-character operators win.
                return c;
            }
        }
        return null;
    }
}
