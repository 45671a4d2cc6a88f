package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;

/**
 * Message compression (RFC 1035 4.1.4) for one response at a time: every name is first written as plain labels, then
 * {@link #compress} looks for the longest suffix of it that is already in the message and replaces that suffix with a
 * two-byte pointer, in place. Matching is case-insensitive (RFC 4343), so an owner name points into the question as
 * the client spelled it (DNS 0x20 survives). Not thread-safe: one instance per thread, {@link #reset} per message;
 * allocates nothing after construction.
 *
 * <pre>
 * pointer: 11 OFFSET(14) - OFFSET counts from the first byte of the header, so only labels within the first
 *          16383 bytes can be pointed at.
 * </pre>
 */
final class NameCompressor {

    /** Label starts remembered per message; a 512-byte answer rarely holds more than a few dozen. */
    private static final int MAX_TARGETS = 128;
    private static final int MAX_OFFSET = 0x3fff;
    /** Pointer hops followed while comparing; our own pointers always go backwards, so a chain is short. */
    private static final int MAX_HOPS = 32;

    private final int[] targets = new int[MAX_TARGETS];
    private int count;
    private int messageStart;

    /** Starts a new message whose header begins at {@code messageStart} in the buffer. */
    void reset(int messageStart) {
        this.messageStart = messageStart;
        this.count = 0;
    }

    /**
     * Remembers the labels of a plain (uncompressed) name at {@code at} as pointer targets, up to its root label or
     * the first pointer; for the echoed question.
     */
    void remember(ByteBuf out, int at, int end) {
        for (int p = at; p < end; ) {
            int len = out.getUnsignedByte(p);
            if (len == 0 || (len & 0xc0) != 0) {
                return;
            }
            add(p);
            p += 1 + len;
        }
    }

    /**
     * Compresses the plain name written at {@code at}, which must end at the buffer's writer index: the longest
     * suffix already in the message becomes a pointer, and the writer index moves back accordingly. The labels that
     * stay are remembered for later names.
     */
    void compress(ByteBuf out, int at) {
        int pos = at;
        while (true) {
            int len = out.getUnsignedByte(pos);
            if (len == 0) {
                break; // the root alone: one byte, shorter than a pointer
            }
            int target = find(out, pos);
            if (target >= 0) {
                out.setShort(pos, 0xc000 | (target - messageStart));
                out.writerIndex(pos + 2);
                break;
            }
            pos += 1 + len;
        }
        for (int p = at; p < pos; p += 1 + out.getUnsignedByte(p)) {
            add(p);
        }
    }

    private void add(int labelStart) {
        if (count < MAX_TARGETS && labelStart - messageStart <= MAX_OFFSET) {
            targets[count++] = labelStart;
        }
    }

    private int find(ByteBuf out, int plain) {
        for (int i = 0; i < count; i++) {
            if (sameName(out, plain, targets[i])) {
                return targets[i];
            }
        }
        return -1;
    }

    /** Whether the plain name at {@code a} equals the name at {@code b} (which may end in a pointer), ignoring case. */
    private boolean sameName(ByteBuf out, int a, int b) {
        for (int hops = 0; ; ) {
            int lb = out.getUnsignedByte(b);
            while ((lb & 0xc0) == 0xc0) {
                if (++hops > MAX_HOPS) {
                    return false;
                }
                b = messageStart + (out.getUnsignedShort(b) & MAX_OFFSET);
                lb = out.getUnsignedByte(b);
            }
            int la = out.getUnsignedByte(a);
            if (la != lb) {
                return false;
            }
            if (la == 0) {
                return true;
            }
            for (int i = 1; i <= la; i++) {
                if (lower(out.getByte(a + i)) != lower(out.getByte(b + i))) {
                    return false;
                }
            }
            a += 1 + la;
            b += 1 + lb;
        }
    }

    private static int lower(byte c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }
}
