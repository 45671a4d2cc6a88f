package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Incremental, allocation-free recogniser of an HTTP/1.x request head that extracts its Host header.
 *
 * <p>One instance serves one flow: feed the client's bytes in stream order with {@link #offer(ByteBuf, int, int)} or
 * {@link #offer(byte[], int, int)}. It is a byte-at-a-time state machine, so each byte is looked at once however the
 * head is split across reads, and a stream that stops looking like HTTP is rejected on the first offending byte. It
 * reads with absolute indexes and keeps no reference to the caller's buffer; the Host value is copied into a small
 * internal array as it streams past. Not thread-safe.
 *
 * <p>Wire layout (RFC 9112 §2.1, §3, §5):
 * <pre>
 *   request-line = method SP request-target SP "HTTP/1." DIGIT CRLF
 *   *( field-name ":" OWS field-value OWS CRLF )
 *   CRLF
 * </pre>
 * A bare LF is accepted as a line end (RFC 9112 §2.2 allows it); a bare CR, obs-fold continuation lines, whitespace
 * before the colon and control bytes are rejected, as RFC 9112 §5.1/§5.2 let a server do. The Host value (RFC 9110
 * §7.2) is trimmed and its port stripped, brackets included for an IPv6 literal ({@code [::1]:8080} gives
 * {@code ::1}). No Host, an empty Host, an invalid Host or more than one Host (RFC 9112 §3.2 demands a 400 for that)
 * still make the request HTTP, just without a host.
 */
public final class HttpHostParser {

    /** Outcome of feeding bytes. Once {@code COMPLETE} or {@code NOT_HTTP}, further offers change nothing. */
    public enum Status {
        /** A plausible request head so far, not yet ended by an empty line. */
        NEED_MORE,
        /** The head ended; {@link #hostAsString()} is valid. */
        COMPLETE,
        /** Not an HTTP/1.x request head, or longer than the limit. */
        NOT_HTTP
    }

    /** Netty's default HTTP header-block limit; also the classifier's default inspection limit ballpark. */
    public static final int DEFAULT_MAX_HEAD_BYTES = 8 * 1024;

    private static final int MAX_METHOD_LENGTH = 24;
    /** 255-byte name, brackets, colon and a 5-digit port, plus slack for surrounding whitespace. */
    private static final int MAX_HOST_VALUE_LENGTH = 300;
    private static final byte[] VERSION_PREFIX = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOST = "host".getBytes(StandardCharsets.US_ASCII);

    private static final int S_METHOD = 0;
    private static final int S_TARGET = 1;
    private static final int S_VERSION = 2;
    private static final int S_VERSION_DIGIT = 3;
    private static final int S_REQUEST_LINE_END = 4;
    private static final int S_LINE_START = 5;
    private static final int S_NAME = 6;
    private static final int S_VALUE = 7;
    private static final int S_VALUE_CR = 8;
    private static final int S_HEAD_END_CR = 9;
    private static final int S_REQUEST_LINE_CR = 10;
    private static final int S_DONE = 11;
    private static final int S_FAILED = 12;

    /** RFC 9110 §5.6.2 tchar. */
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] HOST_CHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
            HOST_CHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
            HOST_CHAR[c] = true;
            HOST_CHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        HOST_CHAR['-'] = true;
        HOST_CHAR['.'] = true;
        HOST_CHAR['_'] = true;
    }

    private final int maxHeadBytes;
    private final byte[] hostValue = new byte[MAX_HOST_VALUE_LENGTH];
    /** Lets {@link ByteBuf#forEachByte} drive the state machine over any buffer layout without copying. */
    private final ByteProcessor stepper = this::step;

    private int state;
    private int consumed;
    private int tokenLength;
    private boolean nameIsHost;
    private boolean inHostValue;
    private int hostValueLength;
    private boolean hostValueOverflow;
    private int hostCount;
    private int hostOffset;
    private int hostLength;

    /** A parser that gives up on heads longer than {@link #DEFAULT_MAX_HEAD_BYTES}. */
    public HttpHostParser() {
        this(DEFAULT_MAX_HEAD_BYTES);
    }

    /** @param maxHeadBytes a head (request line plus headers) not ended within this many bytes is {@code NOT_HTTP} */
    public HttpHostParser(int maxHeadBytes) {
        if (maxHeadBytes < 16) {
            throw new IllegalArgumentException("maxHeadBytes must be at least 16, was " + maxHeadBytes);
        }
        this.maxHeadBytes = maxHeadBytes;
        reset();
    }

    /** Re-arms the parser for a new stream. */
    public void reset() {
        state = S_METHOD;
        consumed = 0;
        tokenLength = 0;
        nameIsHost = false;
        inHostValue = false;
        hostValueLength = 0;
        hostValueOverflow = false;
        hostCount = 0;
        hostOffset = 0;
        hostLength = 0;
    }

    /** Feeds the next stream bytes at absolute {@code index}; does not change the buffer's indexes or retain it. */
    public Status offer(ByteBuf buf, int index, int length) {
        if (state < S_DONE) {
            if (index < 0 || length < 0 || index > buf.capacity() - length) {
                state = S_FAILED;
            } else if (length > 0) {
                buf.forEachByte(index, length, stepper);
            }
        }
        return status();
    }

    /** Same as {@link #offer(ByteBuf, int, int)} for an array slice. */
    public Status offer(byte[] bytes, int offset, int length) {
        if (state < S_DONE) {
            if (offset < 0 || length < 0 || offset > bytes.length - length) {
                state = S_FAILED;
            } else {
                int end = offset + length;
                for (int i = offset; i < end && step(bytes[i]); i++) {
                    // step() advances the state machine
                }
            }
        }
        return status();
    }

    /** Resets, then parses the bytes as a whole stream prefix. */
    public Status parse(byte[] bytes, int offset, int length) {
        reset();
        return offer(bytes, offset, length);
    }

    /** Resets, then parses the bytes as a whole stream prefix. */
    public Status parse(ByteBuf buf, int index, int length) {
        reset();
        return offer(buf, index, length);
    }

    /** Where the parser stands after the bytes fed so far. */
    public Status status() {
        if (state == S_DONE) {
            return Status.COMPLETE;
        }
        return state == S_FAILED ? Status.NOT_HTTP : Status.NEED_MORE;
    }

    /** True once the head is complete and carried exactly one valid, non-empty Host. */
    public boolean hasHost() {
        return state == S_DONE && hostLength > 0;
    }

    /** Allocates: the Host without port (as sent, case kept), or {@code null}. */
    public String hostAsString() {
        return hasHost() ? new String(hostValue, hostOffset, hostLength, StandardCharsets.US_ASCII) : null;
    }

    /** The array holding the host at {@link #hostOffset()}; valid until the next offer or reset. */
    public byte[] hostBytes() {
        return hostValue;
    }

    /** Offset of the host in {@link #hostBytes()}. */
    public int hostOffset() {
        return hostOffset;
    }

    /** Length of the host in {@link #hostBytes()}; 0 when there is no host. */
    public int hostLength() {
        return hasHost() ? hostLength : 0;
    }

    /** How many Host header lines the head had (more than one leaves {@link #hasHost()} false). */
    public int hostHeaderCount() {
        return hostCount;
    }

    /** Consumes one byte; returns false once decided, which stops {@link ByteBuf#forEachByte}. */
    private boolean step(byte value) {
        if (++consumed > maxHeadBytes) {
            state = S_FAILED;
            return false;
        }
        int b = value & 0xff;
        switch (state) {
            case S_METHOD:
                if (b == ' ' && tokenLength > 0) {
                    state = S_TARGET;
                    tokenLength = 0;
                } else if (b >= 'A' && b <= 'Z' && tokenLength < MAX_METHOD_LENGTH) {
                    tokenLength++;
                } else {
                    state = S_FAILED;
                }
                break;
            case S_TARGET:
                if (b == ' ' && tokenLength > 0) {
                    state = S_VERSION;
                    tokenLength = 0;
                } else if (b > 0x20 && b < 0x7f) {
                    tokenLength++;
                } else {
                    state = S_FAILED;
                }
                break;
            case S_VERSION:
                if (b == VERSION_PREFIX[tokenLength]) {
                    if (++tokenLength == VERSION_PREFIX.length) {
                        state = S_VERSION_DIGIT;
                    }
                } else {
                    state = S_FAILED;
                }
                break;
            case S_VERSION_DIGIT:
                state = b >= '0' && b <= '9' ? S_REQUEST_LINE_END : S_FAILED;
                break;
            case S_REQUEST_LINE_END:
                state = b == '\r' ? S_REQUEST_LINE_CR : b == '\n' ? S_LINE_START : S_FAILED;
                break;
            case S_REQUEST_LINE_CR:
            case S_VALUE_CR:
                state = b == '\n' ? S_LINE_START : S_FAILED;
                break;
            case S_LINE_START:
                if (b == '\r') {
                    state = S_HEAD_END_CR;
                } else if (b == '\n') {
                    finishHead();
                } else if (TCHAR[b]) {
                    state = S_NAME;
                    tokenLength = 1;
                    nameIsHost = (b | 0x20) == HOST[0];
                } else {
                    state = S_FAILED; // obs-fold (SP/HT) or garbage
                }
                break;
            case S_NAME:
                if (b == ':') {
                    state = S_VALUE;
                    inHostValue = nameIsHost && tokenLength == HOST.length;
                    if (inHostValue) {
                        hostCount++;
                        hostValueLength = 0;
                        hostValueOverflow = false;
                    }
                } else if (TCHAR[b]) {
                    nameIsHost = nameIsHost && tokenLength < HOST.length && (b | 0x20) == HOST[tokenLength];
                    tokenLength++;
                } else {
                    state = S_FAILED;
                }
                break;
            case S_VALUE:
                if (b == '\r') {
                    state = S_VALUE_CR;
                } else if (b == '\n') {
                    state = S_LINE_START;
                } else if (b < 0x20 && b != '\t' || b == 0x7f) {
                    state = S_FAILED;
                } else if (inHostValue) {
                    if (hostValueLength < MAX_HOST_VALUE_LENGTH) {
                        hostValue[hostValueLength++] = value;
                    } else {
                        hostValueOverflow = true;
                    }
                }
                break;
            case S_HEAD_END_CR:
                if (b == '\n') {
                    finishHead();
                } else {
                    state = S_FAILED;
                }
                break;
            default:
                return false;
        }
        return state < S_DONE;
    }

    private void finishHead() {
        state = S_DONE;
        hostOffset = 0;
        hostLength = 0;
        if (hostCount == 1 && !hostValueOverflow) {
            extractHost();
        }
    }

    /** Trims OWS, strips {@code :port} (and the brackets of an IPv6 literal), then validates what is left. */
    private void extractHost() {
        byte[] v = hostValue;
        int from = 0;
        int end = hostValueLength;
        while (from < end && (v[from] == ' ' || v[from] == '\t')) {
            from++;
        }
        while (end > from && (v[end - 1] == ' ' || v[end - 1] == '\t')) {
            end--;
        }
        if (from == end) {
            return;
        }
        if (v[from] == '[') {
            int close = from + 1;
            while (close < end && v[close] != ']') {
                if (!isIpv6LiteralChar(v[close])) {
                    return;
                }
                close++;
            }
            if (close == end || close == from + 1 || !validPort(v, close + 1, end)) {
                return;
            }
            hostOffset = from + 1;
            hostLength = close - from - 1;
            return;
        }
        int colon = -1;
        for (int i = from; i < end; i++) {
            if (v[i] == ':') {
                colon = i;
                break;
            }
        }
        int hostEnd = colon < 0 ? end : colon;
        if (colon >= 0 && !validPort(v, colon, end)) {
            return;
        }
        int length = hostEnd - from;
        if (length < 1 || length > 255) {
            return;
        }
        for (int i = from; i < hostEnd; i++) {
            if (v[i] < 0 || !HOST_CHAR[v[i]]) {
                return;
            }
        }
        hostOffset = from;
        hostLength = length;
    }

    /** Empty, or ':' followed by 1..5 digits. */
    private static boolean validPort(byte[] v, int from, int end) {
        if (from == end) {
            return true;
        }
        if (v[from] != ':' || end - from < 2 || end - from > 6) {
            return false;
        }
        for (int i = from + 1; i < end; i++) {
            if (v[i] < '0' || v[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6LiteralChar(byte b) {
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == ':' || b == '.';
    }
}
