package dev.censorsim.policy;

/**
 * A set of TCP/UDP ports (1..65535) as a 64 Kibit bitmap: 8 KiB per rule that uses {@code port}, for an O(1),
 * branch-light test however many ranges the rule lists.
 */
final class PortSet {

    private final long[] bits = new long[1024];

    /** Parses {@code "443"} or {@code "590-1400"} and adds it; throws {@link IllegalArgumentException} when bad. */
    void add(String text) {
        String s = text.strip();
        int dash = s.indexOf('-', 1);
        int from = port(dash < 0 ? s : s.substring(0, dash), text);
        int to = dash < 0 ? from : port(s.substring(dash + 1), text);
        if (to < from) {
            throw new IllegalArgumentException("port range '" + text + "' ends before it starts");
        }
        for (int p = from; p <= to; p++) {
            bits[p >>> 6] |= 1L << p;
        }
    }

    boolean contains(int port) {
        return port >= 0 && port <= 0xffff && (bits[port >>> 6] & (1L << port)) != 0;
    }

    private static int port(String s, String text) {
        String t = s.strip();
        if (t.isEmpty() || t.length() > 5 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("expected a port 1..65535 or a range such as 590-1400, got '"
                    + text + "'");
        }
        int p = Integer.parseInt(t);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " is outside 1..65535 in '" + text + "'");
        }
        return p;
    }
}
