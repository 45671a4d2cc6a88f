package dev.censorsim.dns;

import java.util.Locale;

/** Name spelling shared by the zone and the server: keys are lower case without the trailing dot; root is "". */
final class DnsNames {

    private DnsNames() {
    }

    /** Lower-cases and drops one trailing dot: {@code "G.WhatsApp.NET."} becomes {@code "g.whatsapp.net"}. */
    static String key(String name) {
        int end = name.length();
        if (end > 0 && name.charAt(end - 1) == '.') {
            end--;
        }
        boolean lower = true;
        for (int i = 0; i < end; i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                lower = false;
                break;
            }
        }
        String trimmed = name.substring(0, end);
        return lower ? trimmed : trimmed.toLowerCase(Locale.ROOT);
    }

    /** The name with exactly one trailing dot, as Netty's record encoder expects; root is ".". */
    static String fqdn(String key) {
        return key.isEmpty() ? "." : key + ".";
    }

    /** Whether {@code name} is {@code origin} or lies below it, on a label boundary (both keys). */
    static boolean isAtOrBelow(String name, String origin) {
        if (origin.isEmpty()) {
            return true;
        }
        return name.equals(origin)
                || name.length() > origin.length() && name.endsWith(origin)
                && name.charAt(name.length() - origin.length() - 1) == '.';
    }

    /** The parent of a non-root key: {@code "a.b.c"} to {@code "b.c"}, {@code "c"} to {@code ""}. */
    static String parent(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? "" : key.substring(dot + 1);
    }
}
