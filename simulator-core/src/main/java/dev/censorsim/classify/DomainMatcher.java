package dev.censorsim.classify;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * An immutable set of domains that matches a host name when the name is a listed domain or a subdomain of one, on a
 * label boundary: {@code whatsapp.net} matches {@code whatsapp.net} and {@code g.whatsapp.net}, not
 * {@code notwhatsapp.net} nor {@code net}. ASCII case is ignored and one trailing dot on the query is tolerated, so
 * the case-change and trailing-dot SNI evasions do not slip past it.
 *
 * <p>Layout, built once and shared read-only across threads:
 * <ul>
 *   <li>{@code packed}: every distinct normalised domain's bytes, back to back; {@code offsets[i]..offsets[i+1]} is
 *   entry {@code i};</li>
 *   <li>{@code slots}: a primitive open-addressing table (power-of-two capacity, load at most 1/2, linear probing)
 *   keyed by a 32-bit hash of the domain's bytes taken right to left. Each {@code long} slot packs that hash (high
 *   half) with entry index + 1 (low half), so {@code 0} is the empty sentinel and a probe touches one cache line
 *   before any candidate is verified.</li>
 * </ul>
 * Because the hash runs right to left, a query walks its labels from the right once, and at each label boundary the
 * running hash <em>is</em> the hash of that suffix: one probe per label, candidates verified byte by byte against
 * {@code packed}. No object is allocated per match. A million domains take about 40 MB (see {@link #estimatedBytes()}).
 */
public final class DomainMatcher {

    /** 253 characters: the longest name DNS can carry (RFC 1035 §2.3.4, 255 octets in wire form). */
    public static final int MAX_DOMAIN_LENGTH = 253;

    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;
    private static final long EMPTY = 0L;
    private static final int MIN_CAPACITY = 16;
    private static final int ARRAY_HEADER_BYTES = 16;

    private final byte[] packed;
    private final int[] offsets;
    private final long[] slots;
    private final int mask;
    private final int size;
    /** Longest entry: longer suffixes of a query cannot match, so they are not probed. */
    private final int maxLength;

    private DomainMatcher(byte[] packed, int[] offsets, long[] slots, int size, int maxLength) {
        this.packed = packed;
        this.offsets = offsets;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.size = size;
        this.maxLength = maxLength;
    }

    /**
     * Builds a matcher. Each entry is lower-cased and loses one trailing dot; a leading {@code *.} means the same as
     * the bare suffix. Duplicates collapse.
     *
     * @throws IllegalArgumentException naming the entry, for a null or empty entry, a character outside letters,
     *                                  digits, '-', '_' and '.', an empty label, any other '*', or a name over 253
     *                                  characters
     */
    public static DomainMatcher of(Collection<String> domains) {
        Builder builder = new Builder(domains.size(), 0);
        for (String domain : domains) {
            builder.add(domain);
        }
        return builder.build();
    }

    /** Starts an empty matcher to fill one domain at a time, e.g. while streaming a list file. */
    public static Builder builder() {
        return new Builder(0, 0);
    }

    /**
     * Like {@link #builder()}, sized up front for about {@code expectedDomains} domains of {@code expectedBytes} in
     * all, so that a large list is built without growing (and copying) its arrays.
     */
    public static Builder builder(int expectedDomains, long expectedBytes) {
        return new Builder(expectedDomains, expectedBytes);
    }

    /**
     * Fills a matcher one domain at a time without keeping a {@code String} per domain: a million-entry list file is
     * read straight into the packed layout. The table grows by doubling (rehashing from the hashes kept in the slots,
     * never from the bytes), so the final load factor stays at most 1/2. Not thread-safe; use once.
     */
    public static final class Builder {
        private byte[] packed;
        private int[] offsets;
        private long[] slots;
        private int count;
        private int length;
        private int maxLength;

        private Builder(int expected, long expectedBytes) {
            int capacity = MIN_CAPACITY;
            while (capacity < 2L * expected) {
                capacity <<= 1;
            }
            slots = new long[capacity];
            offsets = new int[Math.max(expected, 16) + 1];
            long bytes = expectedBytes > 0 ? expectedBytes : expected * 16L;
            packed = new byte[(int) Math.min(Math.max(64, bytes), Integer.MAX_VALUE - 16)];
        }

        /**
         * Adds a domain with the rules of {@link #of(Collection)}.
         *
         * @throws IllegalArgumentException naming the entry when it is not a valid domain
         */
        public Builder add(String domain) {
            int start = domain != null && domain.startsWith("*.") ? 2 : 0;
            int end = domain == null ? 0 : domain.length();
            if (end > start && domain.charAt(end - 1) == '.') {
                end--;
            }
            if (domain == null || end - start < 1 || end - start > MAX_DOMAIN_LENGTH) {
                throw invalid(domain);
            }
            ensurePacked(end - start);
            int entryLength = normalise(domain, start, end, packed, length);
            insert(entryLength);
            return this;
        }

        /**
         * Adds the ASCII domain {@code ascii[offset, offset + len)} with the rules of {@link #add(String)}.
         *
         * @throws IllegalArgumentException with the reason (not the entry) when it is not a valid domain
         */
        public Builder add(byte[] ascii, int offset, int len) {
            int start = offset;
            int end = offset + len;
            if (len >= 2 && ascii[start] == '*' && ascii[start + 1] == '.') {
                start += 2;
            }
            if (end > start && ascii[end - 1] == '.') {
                end--;
            }
            if (end - start < 1) {
                throw new IllegalArgumentException("expected a domain name, got an empty one");
            }
            if (end - start > MAX_DOMAIN_LENGTH) {
                throw new IllegalArgumentException("a domain name is at most " + MAX_DOMAIN_LENGTH
                        + " characters, got " + (end - start));
            }
            ensurePacked(end - start);
            byte previous = '.';
            for (int i = start, j = length; i < end; i++, j++) {
                byte c = ascii[i];
                if (c >= 'A' && c <= 'Z') {
                    c = (byte) (c | 0x20);
                } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                    throw new IllegalArgumentException("unexpected character " + describe(c) + " in a domain name "
                            + "(letters, digits, '-', '_' and '.'; IDNs in their xn-- form)");
                }
                if (c == '.' && previous == '.') {
                    throw new IllegalArgumentException("empty label in a domain name");
                }
                packed[j] = c;
                previous = c;
            }
            if (previous == '.') {
                throw new IllegalArgumentException("empty label in a domain name");
            }
            insert(end - start);
            return this;
        }

        /** Distinct domains so far. */
        public int size() {
            return count;
        }

        /** The matcher; the builder must not be used afterwards. */
        public DomainMatcher build() {
            // Trim only when it frees something worth a copy: a presized builder is usually within an eighth.
            byte[] packedOut = packed.length - length > packed.length >> 3 ? Arrays.copyOf(packed, length) : packed;
            int[] offsetsOut = offsets.length - (count + 1) > offsets.length >> 3
                    ? Arrays.copyOf(offsets, count + 1) : offsets;
            return new DomainMatcher(packedOut, offsetsOut, slots, count, maxLength);
        }

        private void ensurePacked(int needed) {
            if (packed.length - length < needed) {
                packed = Arrays.copyOf(packed, Math.max(packed.length + (packed.length >> 1), length + needed));
            }
        }

        /** Inserts the normalised entry just written at {@code packed[length..]}, unless it is a duplicate. */
        private void insert(int entryLength) {
            int hash = hash(packed, length, length + entryLength);
            int tableMask = slots.length - 1;
            int slot = mix(hash) & tableMask;
            long existing;
            while ((existing = slots[slot]) != EMPTY) {
                int other = (int) existing - 1;
                if ((int) (existing >>> 32) == hash
                        && sameBytes(packed, offsets[other], offsets[other + 1], length, entryLength)) {
                    return;
                }
                slot = (slot + 1) & tableMask;
            }
            slots[slot] = slot(hash, count);
            length += entryLength;
            maxLength = Math.max(maxLength, entryLength);
            if (count + 2 > offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length + (offsets.length >> 1) + 1);
            }
            offsets[++count] = length;
            if (2L * count > slots.length) {
                grow();
            }
        }

        private void grow() {
            long[] bigger = new long[slots.length << 1];
            int biggerMask = bigger.length - 1;
            for (long entry : slots) {
                if (entry != EMPTY) {
                    int slot = mix((int) (entry >>> 32)) & biggerMask;
                    while (bigger[slot] != EMPTY) {
                        slot = (slot + 1) & biggerMask;
                    }
                    bigger[slot] = entry;
                }
            }
            slots = bigger;
        }

        private static String describe(byte c) {
            return c >= 0x21 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c & 0xff);
        }
    }

    /** True when {@code name} (ASCII; other characters never match) is a listed domain or below one. */
    public boolean matches(CharSequence name) {
        int end = name.length();
        if (end > 0 && name.charAt(end - 1) == '.') {
            end--;
        }
        if (end == 0) {
            return false;
        }
        int hash = FNV_OFFSET;
        for (int i = end - 1; i >= 0; i--) {
            int c = lower(name.charAt(i));
            if (c == '.' && i + 1 < end && probe(hash, name, i + 1, end)) {
                return true;
            }
            hash = (hash ^ c) * FNV_PRIME;
        }
        return probe(hash, name, 0, end);
    }

    /** Allocation-free {@link #matches(CharSequence)} over {@code ascii[offset, offset + length)}. */
    public boolean matches(byte[] ascii, int offset, int length) {
        int end = offset + length;
        if (length > 0 && ascii[end - 1] == '.') {
            end--;
        }
        if (end <= offset) {
            return false;
        }
        int hash = FNV_OFFSET;
        for (int i = end - 1; i >= offset; i--) {
            int c = lower(ascii[i]);
            if (c == '.' && i + 1 < end && probe(hash, ascii, i + 1, end)) {
                return true;
            }
            hash = (hash ^ c) * FNV_PRIME;
        }
        return probe(hash, ascii, offset, end);
    }

    /**
     * The distinct domains, normalised (lower case, no trailing dot, no {@code *.}), in insertion order; for matching
     * modes that need the names themselves. Allocates one {@code String} per domain.
     */
    public List<String> domains() {
        List<String> domains = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            domains.add(new String(packed, offsets[i], offsets[i + 1] - offsets[i], StandardCharsets.US_ASCII));
        }
        return domains;
    }

    /** Number of distinct domains. */
    public int size() {
        return size;
    }

    /** Heap taken by the arrays behind this matcher, headers included. */
    public long estimatedBytes() {
        return 3L * ARRAY_HEADER_BYTES + 32 + packed.length + 4L * offsets.length + 8L * slots.length;
    }

    private boolean probe(int hash, CharSequence name, int from, int end) {
        if (end - from > maxLength) {
            return false;
        }
        final long[] slots = this.slots;
        final int mask = this.mask;
        int slot = mix(hash) & mask;
        long entry;
        while ((entry = slots[slot]) != EMPTY) {
            if ((int) (entry >>> 32) == hash && equalsEntry((int) entry - 1, name, from, end)) {
                return true;
            }
            slot = (slot + 1) & mask;
        }
        return false;
    }

    private boolean probe(int hash, byte[] ascii, int from, int end) {
        if (end - from > maxLength) {
            return false;
        }
        final long[] slots = this.slots;
        final int mask = this.mask;
        int slot = mix(hash) & mask;
        long entry;
        while ((entry = slots[slot]) != EMPTY) {
            if ((int) (entry >>> 32) == hash && equalsEntry((int) entry - 1, ascii, from, end)) {
                return true;
            }
            slot = (slot + 1) & mask;
        }
        return false;
    }

    private boolean equalsEntry(int entry, CharSequence name, int from, int end) {
        int start = offsets[entry];
        if (offsets[entry + 1] - start != end - from) {
            return false;
        }
        for (int i = from, j = start; i < end; i++, j++) {
            if (lower(name.charAt(i)) != packed[j]) {
                return false;
            }
        }
        return true;
    }

    private boolean equalsEntry(int entry, byte[] ascii, int from, int end) {
        int start = offsets[entry];
        if (offsets[entry + 1] - start != end - from) {
            return false;
        }
        for (int i = from, j = start; i < end; i++, j++) {
            if (lower(ascii[i]) != packed[j]) {
                return false;
            }
        }
        return true;
    }

    /** Lower-cases ASCII; maps anything outside ASCII to NUL, which no entry contains. */
    private static int lower(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c | 0x20;
        }
        return c < 0x80 ? c : 0;
    }

    private static int lower(byte b) {
        if (b >= 'A' && b <= 'Z') {
            return b | 0x20;
        }
        return b >= 0 ? b : 0;
    }

    private static long slot(int hash, int entry) {
        return ((long) hash << 32) | (entry + 1L);
    }

    /** FNV-1a over the bytes from right to left, so each suffix's hash is a prefix of the walk. */
    private static int hash(byte[] bytes, int from, int end) {
        int hash = FNV_OFFSET;
        for (int i = end - 1; i >= from; i--) {
            hash = (hash ^ bytes[i]) * FNV_PRIME;
        }
        return hash;
    }

    /** MurmurHash3's finaliser: FNV's low bits are too weak to index a power-of-two table directly. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** Writes the lower-cased, validated entry at {@code out[at..]}; returns its length. */
    private static int normalise(String domain, int from, int end, byte[] out, int at) {
        char previous = '.';
        for (int i = from; i < end; i++) {
            char c = domain.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c | 0x20);
            } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                throw invalid(domain);
            }
            if (c == '.' && previous == '.') {
                throw invalid(domain);
            }
            out[at + i - from] = (byte) c;
            previous = c;
        }
        if (previous == '.') {
            throw invalid(domain); // "name.." : an empty last label after the one tolerated trailing dot
        }
        return end - from;
    }

    private static boolean sameBytes(byte[] packed, int aFrom, int aEnd, int bFrom, int bLength) {
        return Arrays.equals(packed, aFrom, aEnd, packed, bFrom, bFrom + bLength);
    }

    private static IllegalArgumentException invalid(String domain) {
        return new IllegalArgumentException("invalid domain in list: '" + domain + "'");
    }
}
