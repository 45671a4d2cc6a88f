package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental, allocation-free parser of the TLS ClientHello that opens a TCP flow, as a DPI box sees it.
 *
 * <p>One instance serves one flow. Feed it the client's bytes in stream order with {@link #offer(ByteBuf, int, int)}
 * or {@link #offer(byte[], int, int)}; it reads with absolute indexes, never moves the caller's reader or writer
 * index and keeps no reference to the caller's buffer. Handshake fragments are concatenated across TLS records into
 * an internal array (at most 16 KiB) so a ClientHello split over several records, several reads, or both, is parsed
 * exactly like an unsplit one. The array is sized to the length the handshake header announces, so a flow pays for
 * its own ClientHello's size and no more. {@link #reset()} re-arms the instance for a new stream and keeps the array
 * for reuse. Not thread-safe.
 *
 * <p>Wire layout (RFC 8446 §5.1, record layer; every record of the flow's first flight is one of these):
 * <pre>
 *   u8  content_type            22 = handshake (anything else before the ClientHello completes: not TLS)
 *   u16 legacy_record_version   0x0300..0x0304
 *   u16 length                  1..2^14 (a handshake record may not be empty, nor exceed 2^14)
 *   u8  fragment[length]        a slice of the handshake byte stream
 * </pre>
 * Handshake stream (RFC 8446 §4):
 * <pre>
 *   u8  msg_type                1 = client_hello
 *   u24 length                  of the body below
 * </pre>
 * ClientHello body (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2 for TLS 1.2 and earlier, where extensions may be absent):
 * <pre>
 *   u16 legacy_version          major 3
 *   u8  random[32]
 *   u8  session_id_length       0..32, then the id
 *   u16 cipher_suites_length    even, 2..2^16-2, then the suites
 *   u8  compression_length      1..255, then the methods
 *   u16 extensions_length       then extensions filling the body exactly:
 *       u16 extension_type, u16 extension_data_length, u8 data[extension_data_length]
 * </pre>
 * Extensions read: server_name (0, RFC 6066 §3), ALPN (16, RFC 7301 §3.1), encrypted_client_hello (0xfe0d,
 * draft-ietf-tls-esni-13 and later) and the draft encrypted_server_name (0xffce, draft-ietf-tls-esni-01..06): the last
 * two are only detected, since their content is encrypted. A repeated server_name or ALPN extension, or two host_name
 * entries, are malformed (RFC 8446 §4.2, RFC 6066 §3), not a choice between names.
 *
 * <p>Anything malformed, truncated beyond its own length fields, over the limit or simply not a ClientHello yields
 * {@link Status#NOT_TLS}; no input makes this class throw.
 */
public final class TlsClientHelloParser {

    /** Outcome of feeding bytes. Once {@code COMPLETE} or {@code NOT_TLS}, further offers change nothing. */
    public enum Status {
        /** Consistent so far, but the ClientHello is not complete yet. */
        NEED_MORE,
        /** A full, well-formed ClientHello was parsed; the accessors are valid. */
        COMPLETE,
        /** Not (or no longer plausibly) a TLS ClientHello. */
        NOT_TLS
    }

    /** 16 KiB: the most handshake bytes buffered; real ClientHellos stay under 2 KiB even with post-quantum shares. */
    public static final int MAX_HANDSHAKE_BYTES = 16 * 1024;

    /** TLS record content type of handshake messages (RFC 8446 §5.1). */
    public static final int CONTENT_TYPE_HANDSHAKE = 22;
    /** Handshake message type of a ClientHello (RFC 8446 §4). */
    public static final int HANDSHAKE_CLIENT_HELLO = 1;
    /** Extension type server_name (RFC 6066 §3). */
    public static final int EXT_SERVER_NAME = 0x0000;
    /** Extension type application_layer_protocol_negotiation (RFC 7301 §3.1). */
    public static final int EXT_ALPN = 0x0010;
    /** Extension type encrypted_client_hello (draft-ietf-tls-esni-13 and later). */
    public static final int EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d;
    /** Extension type encrypted_server_name of the withdrawn ESNI drafts (draft-ietf-tls-esni-01..06). */
    public static final int EXT_ENCRYPTED_SERVER_NAME = 0xffce;

    private static final int RECORD_HEADER_LENGTH = 5;
    private static final int MAX_RECORD_LENGTH = 1 << 14;
    private static final int HANDSHAKE_HEADER_LENGTH = 4;
    private static final int RANDOM_LENGTH = 32;
    private static final int MAX_SESSION_ID_LENGTH = 32;
    private static final int SERVER_NAME_TYPE_HOST_NAME = 0;
    private static final int MAX_HOST_NAME_LENGTH = 255;
    /** Holds the handshake header; once it announces the message length the array is sized to fit it exactly. */
    private static final int INITIAL_HANDSHAKE_CAPACITY = 64;

    private static final boolean[] HOST_NAME_CHAR = new boolean[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            HOST_NAME_CHAR[c] = true;
            HOST_NAME_CHAR[c - 'a' + 'A'] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            HOST_NAME_CHAR[c] = true;
        }
        HOST_NAME_CHAR['-'] = true;
        HOST_NAME_CHAR['.'] = true;
        // Not legal in host names, but present in real service names (SRV-style labels), and accepted by browsers.
        HOST_NAME_CHAR['_'] = true;
    }

    private final int maxHandshakeBytes;
    /** Step over ChangeCipherSpec, alert and application-data records that come before the ClientHello. */
    private final boolean skipOtherRecords;
    private final byte[] recordHeader = new byte[RECORD_HEADER_LENGTH];

    private byte[] handshake;
    private Status status;
    private int recordHeaderFill;
    private int recordRemaining;
    /** The current record is one being stepped over, not part of the handshake. */
    private boolean skippingRecord;
    private int handshakeFill;
    /** Header plus body length of the ClientHello message, or -1 until its 4-byte header is in. */
    private int handshakeTotal;
    private int recordCount;

    private int sniOffset;
    private int sniLength;
    private int alpnOffset;
    private int alpnLength;
    private int alpnCount;
    private boolean ech;
    private boolean esni;

    /** A parser that buffers up to {@link #MAX_HANDSHAKE_BYTES} of handshake. */
    public TlsClientHelloParser() {
        this(MAX_HANDSHAKE_BYTES);
    }

    /**
     * @param maxHandshakeBytes the largest ClientHello message (4-byte header included) accepted, 64..16384; a bigger
     *                          one is {@link Status#NOT_TLS}, as DPI boxes give up on it
     */
    public TlsClientHelloParser(int maxHandshakeBytes) {
        this(maxHandshakeBytes, false);
    }

    /**
     * @param maxHandshakeBytes as for {@link #TlsClientHelloParser(int)}
     * @param skipOtherRecords  step over whole records of type 20 (ChangeCipherSpec), 21 (alert) and 23 (application
     *                          data) that come before the ClientHello's first byte, instead of stopping there
     */
    public TlsClientHelloParser(int maxHandshakeBytes, boolean skipOtherRecords) {
        this.skipOtherRecords = skipOtherRecords;
        if (maxHandshakeBytes < 64 || maxHandshakeBytes > MAX_HANDSHAKE_BYTES) {
            throw new IllegalArgumentException("maxHandshakeBytes must be within 64..16384, was " + maxHandshakeBytes);
        }
        this.maxHandshakeBytes = maxHandshakeBytes;
        reset();
    }

    /** Re-arms the parser for a new stream; keeps the grown handshake array for reuse. */
    public void reset() {
        status = Status.NEED_MORE;
        recordHeaderFill = 0;
        recordRemaining = 0;
        skippingRecord = false;
        handshakeFill = 0;
        handshakeTotal = -1;
        recordCount = 0;
        clearResults();
    }

    /** Drops the handshake array; the parser stays usable and re-allocates on demand. */
    public void releaseBuffer() {
        handshake = null;
    }

    /**
     * Feeds the next {@code length} stream bytes, starting at absolute {@code index} of {@code buf}. Does not change
     * the buffer's indexes and does not retain it.
     */
    public Status offer(ByteBuf buf, int index, int length) {
        if (status != Status.NEED_MORE) {
            return status;
        }
        if (index < 0 || length < 0 || index > buf.capacity() - length) {
            return fail();
        }
        return feed(buf, null, index, index + length);
    }

    /** Same as {@link #offer(ByteBuf, int, int)} for an array slice. */
    public Status offer(byte[] bytes, int offset, int length) {
        if (status != Status.NEED_MORE) {
            return status;
        }
        if (offset < 0 || length < 0 || offset > bytes.length - length) {
            return fail();
        }
        return feed(null, bytes, offset, offset + length);
    }

    /** Resets, then parses {@code length} bytes as a whole stream prefix: convenient for one-shot use. */
    public Status parse(ByteBuf buf, int index, int length) {
        reset();
        return offer(buf, index, length);
    }

    /** Resets, then parses {@code length} bytes as a whole stream prefix: convenient for one-shot use. */
    public Status parse(byte[] bytes, int offset, int length) {
        reset();
        return offer(bytes, offset, length);
    }

    /** Where the parser stands after the bytes fed so far. */
    public Status status() {
        return status;
    }

    /** Number of TLS records whose header was read so far; more than one means the ClientHello was record-split. */
    public int recordCount() {
        return recordCount;
    }

    /** True when a complete ClientHello carried a server_name host_name. */
    public boolean hasSni() {
        return status == Status.COMPLETE && sniLength > 0;
    }

    /** The array holding the SNI bytes at {@link #sniOffset()}; only valid until the next offer or reset. */
    public byte[] sniBytes() {
        return handshake;
    }

    /** Offset of the SNI in {@link #sniBytes()}. */
    public int sniOffset() {
        return sniOffset;
    }

    /** Length of the SNI in {@link #sniBytes()}; 0 when there is no SNI. */
    public int sniLength() {
        return hasSni() ? sniLength : 0;
    }

    /** Allocates: the SNI exactly as sent (case and any trailing dot kept), or {@code null}. */
    public String sniAsString() {
        return hasSni() ? new String(handshake, sniOffset, sniLength, StandardCharsets.US_ASCII) : null;
    }

    /** Number of ALPN protocol names offered. */
    public int alpnCount() {
        return status == Status.COMPLETE ? alpnCount : 0;
    }

    /** Allocates: the ALPN protocol names in offer order (ISO-8859-1, so any byte survives), or an empty list. */
    public List<String> alpnList() {
        int count = alpnCount();
        if (count == 0) {
            return List.of();
        }
        List<String> names = new ArrayList<>(count);
        int i = alpnOffset;
        int end = alpnOffset + alpnLength;
        while (i < end) {
            int n = handshake[i] & 0xff;
            names.add(new String(handshake, i + 1, n, StandardCharsets.ISO_8859_1));
            i += 1 + n;
        }
        return List.copyOf(names);
    }

    /** The ClientHello carries encrypted_client_hello (0xfe0d). */
    public boolean hasEch() {
        return status == Status.COMPLETE && ech;
    }

    /** The ClientHello carries the draft encrypted_server_name (0xffce). */
    public boolean hasEsni() {
        return status == Status.COMPLETE && esni;
    }

    private Status feed(ByteBuf buf, byte[] arr, int from, int end) {
        int i = from;
        while (i < end) {
            if (skippingRecord) {
                int n = Math.min(recordRemaining, end - i);
                i += n;
                recordRemaining -= n;
                skippingRecord = recordRemaining > 0;
                continue;
            }
            if (recordRemaining == 0) {
                while (recordHeaderFill < RECORD_HEADER_LENGTH && i < end) {
                    recordHeader[recordHeaderFill++] = buf != null ? buf.getByte(i++) : arr[i++];
                    // Check each header byte as it arrives: garbage is rejected on its first byte.
                    if (!recordHeaderPrefixValid()) {
                        return fail();
                    }
                }
                if (recordHeaderFill < RECORD_HEADER_LENGTH) {
                    return Status.NEED_MORE;
                }
                recordHeaderFill = 0;
                recordCount++;
                recordRemaining = ((recordHeader[3] & 0xff) << 8) | (recordHeader[4] & 0xff);
                skippingRecord = (recordHeader[0] & 0xff) != CONTENT_TYPE_HANDSHAKE;
                continue;
            }
            int wanted = handshakeTotal < 0 ? HANDSHAKE_HEADER_LENGTH - handshakeFill : handshakeTotal - handshakeFill;
            int n = Math.min(Math.min(recordRemaining, end - i), wanted);
            ensureCapacity(handshakeFill + n);
            if (buf != null) {
                buf.getBytes(i, handshake, handshakeFill, n);
            } else {
                System.arraycopy(arr, i, handshake, handshakeFill, n);
            }
            i += n;
            recordRemaining -= n;
            handshakeFill += n;
            if (handshakeTotal < 0 && (handshake[0] & 0xff) != HANDSHAKE_CLIENT_HELLO) {
                return fail(); // on the type byte, not three bytes later
            }
            if (handshakeTotal < 0 && handshakeFill == HANDSHAKE_HEADER_LENGTH) {
                int bodyLength = ((handshake[1] & 0xff) << 16) | ((handshake[2] & 0xff) << 8) | (handshake[3] & 0xff);
                if (bodyLength > maxHandshakeBytes - HANDSHAKE_HEADER_LENGTH) {
                    return fail();
                }
                handshakeTotal = HANDSHAKE_HEADER_LENGTH + bodyLength;
                ensureCapacity(handshakeTotal);
            }
            if (handshakeFill == handshakeTotal) {
                status = parseClientHello(handshake, HANDSHAKE_HEADER_LENGTH, handshakeTotal)
                        ? Status.COMPLETE : Status.NOT_TLS;
                return status;
            }
        }
        return Status.NEED_MORE;
    }

    /** RFC 8446 §5.1: handshake records, legacy versions 0x0300..0x0304, 1..2^14 bytes. */
    private boolean recordHeaderPrefixValid() {
        switch (recordHeaderFill) {
            case 1:
                // Another record type only before the hello's first byte: inside the hello it is no ClientHello.
                return (recordHeader[0] & 0xff) == CONTENT_TYPE_HANDSHAKE
                        || (skipOtherRecords && handshakeFill == 0 && isSkippableRecordType(recordHeader[0]));
            case 2:
                return recordHeader[1] == 3;
            case 3:
                return (recordHeader[2] & 0xff) <= 4;
            case 5:
                int length = ((recordHeader[3] & 0xff) << 8) | (recordHeader[4] & 0xff);
                return length >= 1 && length <= MAX_RECORD_LENGTH;
            default:
                return true;
        }
    }

    /** RFC 8446 §5.1 content types 20 (change_cipher_spec), 21 (alert) and 23 (application_data). */
    public static boolean isSkippableRecordType(byte type) {
        return type == 20 || type == 21 || type == 23;
    }

    private void ensureCapacity(int needed) {
        byte[] current = handshake;
        if (current != null && current.length >= needed) {
            return;
        }
        growSlowPath(needed);
    }

    private void growSlowPath(int needed) {
        byte[] grown = new byte[Math.max(needed, INITIAL_HANDSHAKE_CAPACITY)];
        if (handshake != null) {
            System.arraycopy(handshake, 0, grown, 0, handshakeFill);
        }
        handshake = grown;
    }

    private Status fail() {
        status = Status.NOT_TLS;
        clearResults();
        return status;
    }

    private void clearResults() {
        sniOffset = 0;
        sniLength = 0;
        alpnOffset = 0;
        alpnLength = 0;
        alpnCount = 0;
        ech = false;
        esni = false;
    }

    /** Parses the body in {@code hs[from, end)}; every read is preceded by a bounds check. */
    private boolean parseClientHello(byte[] hs, int from, int end) {
        int i = from;
        if (end - i < 2 + RANDOM_LENGTH + 1) {
            return false;
        }
        if (hs[i] != 3) {
            return false;
        }
        i += 2 + RANDOM_LENGTH;

        int sessionIdLength = hs[i++] & 0xff;
        if (sessionIdLength > MAX_SESSION_ID_LENGTH || end - i < sessionIdLength) {
            return false;
        }
        i += sessionIdLength;

        if (end - i < 2) {
            return false;
        }
        int cipherSuitesLength = u16(hs, i);
        i += 2;
        if (cipherSuitesLength < 2 || (cipherSuitesLength & 1) != 0 || end - i < cipherSuitesLength) {
            return false;
        }
        i += cipherSuitesLength;

        if (end - i < 1) {
            return false;
        }
        int compressionLength = hs[i++] & 0xff;
        if (compressionLength < 1 || end - i < compressionLength) {
            return false;
        }
        i += compressionLength;

        if (i == end) {
            return true; // RFC 5246 §7.4.1.2: a ClientHello without extensions is legal before TLS 1.3
        }
        if (end - i < 2) {
            return false;
        }
        int extensionsLength = u16(hs, i);
        i += 2;
        if (extensionsLength != end - i) {
            return false;
        }
        return parseExtensions(hs, i, end);
    }

    private boolean parseExtensions(byte[] hs, int from, int end) {
        boolean seenServerName = false;
        boolean seenAlpn = false;
        int i = from;
        while (i < end) {
            if (end - i < 4) {
                return false;
            }
            int type = u16(hs, i);
            int length = u16(hs, i + 2);
            i += 4;
            if (end - i < length) {
                return false;
            }
            switch (type) {
                case EXT_SERVER_NAME:
                    // RFC 8446 §4.2: an extension type may appear once; a second server_name is an evasion attempt.
                    if (seenServerName || !parseServerName(hs, i, i + length)) {
                        return false;
                    }
                    seenServerName = true;
                    break;
                case EXT_ALPN:
                    if (seenAlpn || !parseAlpn(hs, i, i + length)) {
                        return false;
                    }
                    seenAlpn = true;
                    break;
                case EXT_ENCRYPTED_CLIENT_HELLO:
                    ech = true;
                    break;
                case EXT_ENCRYPTED_SERVER_NAME:
                    esni = true;
                    break;
                default:
                    break;
            }
            i += length;
        }
        return true;
    }

    /**
     * RFC 6066 §3: {@code u16 list_length, then entries: u8 name_type, u16 length, u8 name[length]}. The list must
     * fill the extension; at most one host_name; other name types are skipped by their length.
     */
    private boolean parseServerName(byte[] hs, int from, int end) {
        if (end - from < 2) {
            return false;
        }
        int listLength = u16(hs, from);
        int i = from + 2;
        if (listLength != end - i || listLength == 0) {
            return false;
        }
        boolean seenHostName = false;
        while (i < end) {
            if (end - i < 3) {
                return false;
            }
            int nameType = hs[i] & 0xff;
            int nameLength = u16(hs, i + 1);
            i += 3;
            if (end - i < nameLength) {
                return false;
            }
            if (nameType == SERVER_NAME_TYPE_HOST_NAME) {
                if (seenHostName || !validHostName(hs, i, nameLength)) {
                    return false;
                }
                seenHostName = true;
                sniOffset = i;
                sniLength = nameLength;
            }
            i += nameLength;
        }
        return true;
    }

    /** RFC 7301 §3.1: {@code u16 list_length, then entries: u8 length (1..255), u8 name[length]}. */
    private boolean parseAlpn(byte[] hs, int from, int end) {
        if (end - from < 2) {
            return false;
        }
        int listLength = u16(hs, from);
        int i = from + 2;
        if (listLength != end - i || listLength < 2) {
            return false;
        }
        int count = 0;
        while (i < end) {
            int n = hs[i] & 0xff;
            if (n == 0 || end - i - 1 < n) {
                return false;
            }
            i += 1 + n;
            count++;
        }
        alpnOffset = from + 2;
        alpnLength = listLength;
        alpnCount = count;
        return true;
    }

    /** 1..255 bytes of letters, digits, '-', '_' and '.', with no empty label except one trailing dot. */
    private static boolean validHostName(byte[] hs, int from, int length) {
        if (length < 1 || length > MAX_HOST_NAME_LENGTH) {
            return false;
        }
        int end = from + length;
        byte previous = '.';
        for (int i = from; i < end; i++) {
            byte b = hs[i];
            if (b < 0 || !HOST_NAME_CHAR[b]) {
                return false;
            }
            if (b == '.' && previous == '.') {
                return false; // leading dot or empty label
            }
            previous = b;
        }
        return length > 1 || previous != '.';
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }
}
