package dev.censorsim.report;

/** Escaping for text and attribute values in HTML and inline SVG. */
final class Html {

    private Html() {
    }

    /**
     * Escapes {@code & < > " '} so any text (scenario names, rule descriptions, error messages) is inert in element
     * content and in quoted attributes alike; control characters other than whitespace are dropped.
     */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default:
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        b.append(c);
                    }
            }
        }
        return b.toString();
    }

    /** Pixels a character of a chart's bold 12 px phase label takes, about. */
    static final double BAND_LABEL_CHAR_PX = 7;
    /** Pixels a character of a chart's 11.5 px tick label takes, about. */
    static final double TICK_CHAR_PX = 6.5;

    /**
     * {@code text} shortened with an ellipsis to fit {@code width} pixels at {@code charPx} pixels a character, or
     * empty when not even four characters fit: a phase name can be 64 characters, and a chart with many phases has
     * narrow slots.
     */
    static String fit(String text, double width, double charPx) {
        int chars = (int) (width / charPx);
        if (chars >= text.length()) {
            return text;
        }
        return chars >= 4 ? text.substring(0, chars - 1) + "\u2026" : "";
    }

    /**
     * An SVG {@code <text>} element's content: {@code text} fitted as by {@link #fit}, escaped, with the whole text as
     * its tooltip when shortened.
     */
    static String fittedSvgText(String text, double width, double charPx) {
        String shown = fit(text, width, charPx);
        return shown.equals(text) ? escape(text) : "<title>" + escape(text) + "</title>" + escape(shown);
    }
}
