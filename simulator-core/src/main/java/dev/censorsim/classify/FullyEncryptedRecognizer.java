package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Decides whether the first client data packet of a TCP flow looks "fully encrypted", by the rules the Great Firewall
 * of China has applied since November 2021 (Wu, Zohaib, Durumeric, Houmansadr, Wustrow: "How the Great Firewall of
 * China Detects and Blocks Fully Encrypted Traffic", USENIX Security 2023, §4, Algorithm 1). Such traffic is what
 * Shadowsocks, VMess and obfs4 send: no plaintext header at all. Reusable and allocation-free; never throws.
 *
 * <p>The packet is exempt, that is <em>not</em> fully encrypted, when any of these holds:
 * <ul>
 *   <li>Ex1: the average number of set bits per byte is at most 3.4 or at least 4.6 (random bytes average 4);</li>
 *   <li>Ex2: its first 6 bytes are printable ASCII (0x20–0x7e);</li>
 *   <li>Ex3: more than 50% of its bytes are printable;</li>
 *   <li>Ex4: it holds more than 20 contiguous printable bytes;</li>
 *   <li>Ex5: it starts like TLS ({@code [16-17] 03 [00-09]}) or an HTTP request ({@code GET }, {@code PUT },
 *       {@code POST}, {@code HEAD} and the other methods).</li>
 * </ul>
 * The GFW then blocked only about 26% of the connections that were not exempt, and only to some destination
 * ranges (§4.2, §4.4); that probability is the policy's business (a rule's {@code probability}), not the recogniser's.
 */
public final class FullyEncryptedRecognizer {

    /** Ex1 bounds, in tenths of a bit per byte, so the test is integer arithmetic: 3.4 and 4.6. */
    private static final int LOW_TENTHS = 34;
    private static final int HIGH_TENTHS = 46;
    private static final int PRINTABLE_PREFIX = 6;
    /**
     * Algorithm 1 reads at least the first six bytes (Ex2); a shorter first payload is left alone. The paper gives no
     * minimum: this one is censorsim's, so a 1-byte probe is not called "fully encrypted".
     */
    public static final int MIN_LENGTH = PRINTABLE_PREFIX;
    private static final int MAX_PRINTABLE_RUN = 20;
    private static final int[] HTTP_PREFIXES = {
        word('G', 'E', 'T', ' '), word('P', 'U', 'T', ' '), word('P', 'O', 'S', 'T'), word('H', 'E', 'A', 'D'),
        word('D', 'E', 'L', 'E'), word('O', 'P', 'T', 'I'), word('C', 'O', 'N', 'N'), word('P', 'A', 'T', 'C'),
        word('T', 'R', 'A', 'C')};

    private int setBits;
    private int printable;

    private static int word(char a, char b, char c, char d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    private static boolean isPrintable(int b) {
        return b >= 0x20 && b <= 0x7e;
    }

    /** Whether {@code buffer[index, index + length)}, a flow's first client payload, is fully encrypted. */
    public boolean recognize(ByteBuf buffer, int index, int length) {
        if (length < MIN_LENGTH || startsLikeTlsOrHttp(buffer, index, length)) {
            return false;
        }
        final int end = index + length;
        int bits = 0;
        int printableCount = 0;
        int run = 0;
        int longestRun = 0;
        boolean printablePrefix = true;
        for (int i = index; i < end; i++) {
            int b = buffer.getUnsignedByte(i);
            bits += Integer.bitCount(b);
            if (isPrintable(b)) {
                printableCount++;
                if (++run > longestRun) {
                    longestRun = run;
                }
            } else {
                run = 0;
                if (i - index < PRINTABLE_PREFIX) {
                    printablePrefix = false;
                }
            }
        }
        setBits = bits;
        printable = printableCount;
        long tenths = 10L * bits;
        return tenths > (long) LOW_TENTHS * length && tenths < (long) HIGH_TENTHS * length // Ex1
                && !printablePrefix                                                          // Ex2
                && 2 * printableCount <= length                                              // Ex3
                && longestRun <= MAX_PRINTABLE_RUN;                                          // Ex4
    }

    /** Ex5: a TLS record header or an HTTP method. */
    private static boolean startsLikeTlsOrHttp(ByteBuf buffer, int index, int length) {
        if (length >= 3) {
            int type = buffer.getUnsignedByte(index);
            int major = buffer.getUnsignedByte(index + 1);
            int minor = buffer.getUnsignedByte(index + 2);
            if ((type == 0x16 || type == 0x17) && major == 0x03 && minor <= 0x09) {
                return true;
            }
        }
        if (length >= 4) {
            int first = buffer.getInt(index);
            for (int prefix : HTTP_PREFIXES) {
                if (first == prefix) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Set bits in the last packet examined (past the Ex5 test). */
    public int setBits() {
        return setBits;
    }

    /** Printable bytes in the last packet examined (past the Ex5 test). */
    public int printableBytes() {
        return printable;
    }
}
