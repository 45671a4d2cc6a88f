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
}
