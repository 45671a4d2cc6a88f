package dev.censorsim.capture;

/**
 * The libpcap link-layer header types this reader understands (tcpdump.org/linktypes.html); others are counted and
 * skipped.
 */
public final class LinkType {

    /** BSD loopback: a 4-byte address family in the capturing host's byte order. */
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    /** Raw IP, the version read from the first nibble (DLT_RAW is 12 or 14 on some BSDs; libpcap maps it to 101). */
    public static final int RAW = 101;
    /** Linux "cooked" capture v1: 16-byte header, protocol type at offset 14. */
    public static final int LINUX_SLL = 113;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;

    private LinkType() {
    }
}
