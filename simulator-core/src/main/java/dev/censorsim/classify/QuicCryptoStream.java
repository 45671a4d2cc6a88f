package dev.censorsim.classify;

import javax.crypto.spec.SecretKeySpec;

/**
 * The client's Initial-level CRYPTO stream of one QUIC connection, reassembled from the CRYPTO frames of its first few
 * Initial packets (RFC 9000 §19.6: each frame carries a byte offset into the stream, so frames may come in any order,
 * duplicated or overlapping, and spread over several packets). Modern clients need this: a ClientHello with an
 * X25519MLKEM768 key share is about 1.8 KB, more than one Initial holds, and Chrome also splits and reorders its
 * CRYPTO frames on purpose ("chaos protection").
 *
 * <p>The stream starts with one TLS handshake message, the ClientHello (RFC 9001 §4.1.3 carries handshake messages
 * without the TLS record layer):
 * <pre>
 *   u8  msg_type = 1 (client_hello)
 *   u24 length   of the body that follows
 *   ... body
 * </pre>
 * Bounded: at most {@link #capacity()} bytes of stream (4 KiB by default) from at most {@link #MAX_INITIALS}
 * Initials; beyond either it gives up ({@link Status#GAVE_UP}), as a DPI box with a per-flow budget would. Bytes already
 * in the contiguous prefix are never overwritten (the first copy wins, as in TCP reassembly), so a duplicate frame
 * with other bytes cannot change a name once read.
 *
 * <p>Also holds the connection's Initial keys (RFC 9001 §5.2: derived once, from the destination connection id of the
 * client's first Initial) so every later Initial of the flow is decrypted with them. Reusable through
 * {@link #reset()}; allocates nothing after construction except the keys. Not thread-safe.
 */
public final class QuicCryptoStream {

    /** Where a stream stands. */
    public enum Status {
        /** The ClientHello is not complete yet: more Initials may fill the gaps. */
        PENDING,
        /** The whole ClientHello message, header included, is contiguous from offset 0. */
        COMPLETE,
        /** The stream does not start with a ClientHello, or announces one larger than the budget. */
        NOT_CLIENT_HELLO,
        /** The byte budget, the Initial budget or the range table ran out before the ClientHello completed. */
        GAVE_UP
    }

    /** Enough for a post-quantum browser ClientHello (about 1.8 KB) twice over. */
    public static final int DEFAULT_CAPACITY = 4096;
    /** Client Initials looked at per connection; a ClientHello spans two, rarely three. */
    public static final int MAX_INITIALS = 4;
    /** Disjoint byte ranges tracked beyond the contiguous prefix; Chrome's chaos protection uses a handful. */
    private static final int MAX_RANGES = 16;
    private static final int HANDSHAKE_HEADER_LENGTH = 4;
    private static final int CLIENT_HELLO = 1;

    private final byte[] data;
    /** The synthetic TLS record header {@link #parseHello} puts before the handshake message. */
    private final byte[] recordHeader = new byte[5];
    /** Ranges [start, end) received beyond {@link #contiguous}, unordered, possibly overlapping. */
    private final int[] rangeStarts = new int[MAX_RANGES];
    private final int[] rangeEnds = new int[MAX_RANGES];
    private int ranges;
    private int contiguous;
    private int initials;
    private boolean gaveUp;

    SecretKeySpec key;
    SecretKeySpec headerKey;
    byte[] iv;

    /** A stream of {@link #DEFAULT_CAPACITY} bytes. */
    public QuicCryptoStream() {
        this(DEFAULT_CAPACITY);
    }

    /** @param capacity the most stream bytes kept, 64..65536 */
    public QuicCryptoStream(int capacity) {
        if (capacity < 64 || capacity > 1 << 16) {
            throw new IllegalArgumentException("capacity must be within 64..65536, was " + capacity);
        }
        this.data = new byte[capacity];
    }

    /** Empties the stream and forgets its keys, for the next connection. */
    public void reset() {
        ranges = 0;
        contiguous = 0;
        initials = 0;
        gaveUp = false;
        key = null;
        headerKey = null;
        iv = null;
    }

    /** Whether the keys of this connection are known (its first Initial was decrypted). */
    public boolean hasKeys() {
        return key != null;
    }

    void keys(QuicInitialKeys keys) {
        this.key = new SecretKeySpec(keys.key(), "AES");
        this.headerKey = new SecretKeySpec(keys.hp(), "AES");
        this.iv = keys.iv();
    }

    /** Counts one more Initial offered to the stream. */
    void countInitial() {
        initials++;
    }

    /**
     * Adds the CRYPTO frame data {@code source[sourceOffset, sourceOffset + length)} found at stream offset
     * {@code offset}. Data beyond the capacity makes the stream give up.
     */
    void add(byte[] source, int sourceOffset, long offset, int length) {
        if (length == 0 || gaveUp) {
            return;
        }
        if (offset < 0 || offset + length > data.length) {
            gaveUp = true;
            return;
        }
        int start = (int) offset;
        int end = start + length;
        if (end <= contiguous) {
            return;
        }
        // The first copy of a byte wins: never overwrite the prefix already judged.
        int from = Math.max(start, contiguous);
        System.arraycopy(source, sourceOffset + (from - start), data, from, end - from);
        if (from == contiguous) {
            contiguous = end;
            absorbRanges();
        } else if (!addRange(from, end)) {
            gaveUp = true;
        }
    }

    private boolean addRange(int start, int end) {
        if (ranges == MAX_RANGES) {
            return false;
        }
        rangeStarts[ranges] = start;
        rangeEnds[ranges] = end;
        ranges++;
        return true;
    }

    /** Extends the contiguous prefix with every pending range it now reaches, and drops those ranges. */
    private void absorbRanges() {
        boolean grew = true;
        while (grew) {
            grew = false;
            for (int i = 0; i < ranges; i++) {
                if (rangeStarts[i] <= contiguous) {
                    contiguous = Math.max(contiguous, rangeEnds[i]);
                    ranges--;
                    rangeStarts[i] = rangeStarts[ranges];
                    rangeEnds[i] = rangeEnds[ranges];
                    i--;
                    grew = true;
                }
            }
        }
    }

    /** Where the stream stands, judged from the bytes contiguous from offset 0 and the budgets. */
    public Status status() {
        if (contiguous >= 1 && (data[0] & 0xff) != CLIENT_HELLO) {
            return Status.NOT_CLIENT_HELLO;
        }
        if (contiguous >= HANDSHAKE_HEADER_LENGTH) {
            int total = helloLength();
            if (total > data.length) {
                return Status.NOT_CLIENT_HELLO;
            }
            if (contiguous >= total) {
                return Status.COMPLETE;
            }
        }
        if (gaveUp || initials >= MAX_INITIALS) {
            return Status.GAVE_UP;
        }
        return Status.PENDING;
    }

    /** The ClientHello message's length, its 4-byte header included, or -1 while the header is incomplete. */
    public int helloLength() {
        if (contiguous < HANDSHAKE_HEADER_LENGTH) {
            return -1;
        }
        return HANDSHAKE_HEADER_LENGTH + ((data[1] & 0xff) << 16 | (data[2] & 0xff) << 8 | (data[3] & 0xff));
    }

    /**
     * Feeds the complete ClientHello to {@code parser} (reset first) behind a synthetic handshake record header, since
     * QUIC carries handshake messages without the record layer, so QUIC and TCP share one TLS parser.
     *
     * @return the parser's status: {@link TlsClientHelloParser.Status#COMPLETE} when it read the hello; anything else
     *         when the stream is not {@link Status#COMPLETE} or the hello does not parse
     */
    public TlsClientHelloParser.Status parseHello(TlsClientHelloParser parser) {
        parser.reset();
        if (status() != Status.COMPLETE) {
            return TlsClientHelloParser.Status.NOT_TLS;
        }
        int length = helloLength();
        recordHeader[0] = 0x16;
        recordHeader[1] = 3;
        recordHeader[2] = 1;
        recordHeader[3] = (byte) (length >>> 8);
        recordHeader[4] = (byte) length;
        parser.offer(recordHeader, 0, recordHeader.length);
        return parser.offer(data, 0, length);
    }

    /** The stream bytes; {@code [0, contiguousLength())} are valid. */
    public byte[] data() {
        return data;
    }

    /** Bytes contiguous from offset 0. */
    public int contiguousLength() {
        return contiguous;
    }

    /** Initials offered so far. */
    public int initials() {
        return initials;
    }

    public int capacity() {
        return data.length;
    }
}
