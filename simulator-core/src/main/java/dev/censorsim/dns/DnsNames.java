package dev.censorsim.dns;

import java.util.Locale;

/**
 * Name spelling shared by the zone and the server: keys are lower case without the trailing dot; root is "".
 *
 * <p>A key is a name's labels as {@link DnsQueryReader} spells a question's, joined by dots, so a question finds its
 * node by text. A label byte the reader refuses in a question (a dot, a space or control byte, 0x7f and above) can
 * only come from a zone file (master-file escapes such as {@code a\.b} or {@code \200}); in a key it stands as the
 * private-use character U+E000 plus the byte. No question contains one and no case mapping touches one, so such a
 * name keeps a key of its own (the one label {@code a.b} is not the name {@code a.b}), and the writer turns it back
 * into its byte ({@link #wireByte}).
 */
final class DnsNames {

    /** Where the stand-ins for unaskable label bytes begin: U+E000 to U+E0FF, in the Private Use Area. */
    private static final char UNASKABLE = '\uE000';

    private DnsNames() {
    }

    /** Whether a question's label may hold byte {@code b} ({@link DnsQueryReader} refuses the others). */
    static boolean askable(int b) {
        return b > ' ' && b != '.' && b < 0x7f;
    }

    /**
     * The key of an uncompressed wire name (length-prefixed labels ending with the root label), ASCII letters lower
     * cased: what dnsjava gives for a zone file's names, which reach here unescaped.
     *
     * @throws IllegalArgumentException when {@code wire} is no such name
     */
    static String keyFromWire(byte[] wire) {
        StringBuilder key = new StringBuilder(wire.length);
        int at = 0;
        while (true) {
            if (at >= wire.length) {
                throw new IllegalArgumentException("a name without its root label");
            }
            int len = wire[at] & 0xff;
            if (len == 0) {
                return key.toString();
            }
            if (len > 63 || at + 1 + len > wire.length) {
                throw new IllegalArgumentException("a label of " + len + " bytes");
            }
            if (key.length() > 0) {
                key.append('.');
            }
            for (int i = at + 1; i <= at + len; i++) {
                int b = wire[i] & 0xff;
                key.append(!askable(b) ? (char) (UNASKABLE + b) : b >= 'A' && b <= 'Z' ? (char) (b + 32) : (char) b);
            }
            at += 1 + len;
        }
    }

    /** The label byte a key's character stands for: itself, or the byte behind an unaskable stand-in. */
    static int wireByte(char c) {
        return c >= UNASKABLE && c <= UNASKABLE + 0xff ? c - UNASKABLE : c;
    }

    /** A key for messages: unaskable bytes as master-file escapes ({@code \.}, {@code \032}, {@code \200}). */
    static String display(String key) {
        StringBuilder out = null;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= UNASKABLE && c <= UNASKABLE + 0xff) {
                if (out == null) {
                    out = new StringBuilder(key.length() + 8).append(key, 0, i);
                }
                int b = c - UNASKABLE;
                out.append('\\').append(b == '.' ? "." : String.format(Locale.ROOT, "%03d", b));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? key : out.toString();
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
