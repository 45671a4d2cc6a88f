package dev.censorsim.evasion;

import dev.censorsim.trace.TlsMessages;
import dev.censorsim.trace.UdpPayloads;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * A client-side evasion of SNI inspection, as the TCP packets (writes) the client sends first. Each write is sent on
 * its own, 150 ms after the previous one with TCP_NODELAY, so it leaves as its own segment. The names are product API.
 */
public enum Evasion {
    /** The ClientHello in one segment: the control. */
    NONE("none"),
    /** The ClientHello in two TCP segments, cut in the middle (defeats a censor that does not reassemble). */
    TCP_SPLIT("tcp-split"),
    /** The ClientHello's handshake message in two TLS records, in one segment. */
    RECORD_SPLIT("record-split"),
    /** A ChangeCipherSpec record before the ClientHello. */
    CCS_PREFIX("ccs-prefix"),
    /** 32 random bytes before the ClientHello, in the same segment. */
    GARBAGE_PREFIX("garbage-prefix"),
    /** A decoy ClientHello for another name first, then the real one. */
    FAKE_HELLO("fake-hello"),
    /** The name in mixed case. */
    SNI_CASE("sni-case"),
    /** The name with a trailing dot. */
    SNI_TRAILING_DOT("sni-trailing-dot"),
    /** No server_name extension at all. */
    NO_SNI("no-sni"),
    /** An encrypted_client_hello extension with a cover name outside, as ECH sends. */
    ECH("ech"),
    /** A 1000-byte padding extension (RFC 7685) after the others. */
    PADDING("padding"),
    /**
     * The same name in a ClientHello carried by real QUIC v1 Initials (RFC 9001 §5 protection, 1200-byte datagrams)
     * through the UDP relay: the packets are datagrams, not TCP writes.
     */
    QUIC("quic"),
    /**
     * With DNS rules: the messenger's DoH fallback. The name is looked up over plain DNS at the censor's resolver and,
     * when that fails, over DNS-over-HTTPS (RFC 8484) to a resolver reached through the censor; then a real TLS
     * connection carries messages. Run as a messenger client, not as crafted packets.
     */
    DOH("doh"),
    /** With DNS rules: connect to an address the client ships with, no lookup at all; then real TLS and messages. */
    HARDCODED_IP("hardcoded-ip");

    /** RFC 9000 §14.1: a client's Initial datagrams are at least 1200 bytes. */
    static final int QUIC_DATAGRAM_BYTES = 1200;

    /** The decoy and ECH cover name; outside any sensible block list. */
    static final String COVER_NAME = "cover.example.net";
    private static final int PADDING_BYTES = 1000;

    private final String wireName;

    Evasion(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The evasion named {@code name}, or {@code null}. */
    public static Evasion fromWireName(String name) {
        for (Evasion e : values()) {
            if (e.wireName.equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** Whether this evasion is about name resolution: run only when the policy has DNS rules, as a messenger client. */
    public boolean isDns() {
        return this == DOH || this == HARDCODED_IP;
    }

    /** Whether the packets are UDP datagrams for the UDP relay rather than TCP writes for the proxy. */
    public boolean isUdp() {
        return this == QUIC;
    }

    /** The client's first writes for a connection to {@code name} (datagrams for {@link #isUdp()}). */
    public List<byte[]> packets(String name, RandomGenerator random) {
        List<String> alpn = List.of("h2", "http/1.1");
        return switch (this) {
            // The DNS evasions' TLS connection, once the address is known, starts with an ordinary ClientHello.
            case NONE, DOH, HARDCODED_IP -> List.of(TlsMessages.clientHello(name, alpn, false, random));
            case TCP_SPLIT -> {
                byte[] hello = TlsMessages.clientHello(name, alpn, false, random);
                int cut = hello.length / 2;
                yield List.of(Arrays.copyOfRange(hello, 0, cut), Arrays.copyOfRange(hello, cut, hello.length));
            }
            case RECORD_SPLIT -> List.of(recordSplit(TlsMessages.clientHello(name, alpn, false, random)));
            case CCS_PREFIX -> List.of(concat(new byte[] {20, 3, 3, 0, 1, 1},
                    TlsMessages.clientHello(name, alpn, false, random)));
            case GARBAGE_PREFIX -> {
                byte[] garbage = new byte[32];
                random.nextBytes(garbage);
                garbage[0] = (byte) 0xa5; // never a TLS record type or an HTTP method
                yield List.of(concat(garbage, TlsMessages.clientHello(name, alpn, false, random)));
            }
            case FAKE_HELLO -> List.of(concat(TlsMessages.clientHello(COVER_NAME, alpn, false, random),
                    TlsMessages.clientHello(name, alpn, false, random)));
            case SNI_CASE -> List.of(TlsMessages.clientHello(mixedCase(name), alpn, false, random));
            case SNI_TRAILING_DOT -> List.of(TlsMessages.clientHello(name + ".", alpn, false, random));
            case NO_SNI -> List.of(TlsMessages.clientHello(null, alpn, false, random));
            case ECH -> List.of(TlsMessages.clientHello(COVER_NAME, alpn, true, random));
            case PADDING -> List.of(withPadding(TlsMessages.clientHello(name, alpn, false, random), PADDING_BYTES));
            case QUIC -> {
                byte[] record = TlsMessages.clientHello(name, List.of("h3"), false, random);
                byte[] handshake = Arrays.copyOfRange(record, 5, record.length); // CRYPTO frames carry no record header
                byte[] dcid = new byte[8];
                byte[] scid = new byte[8];
                random.nextBytes(dcid);
                random.nextBytes(scid);
                yield UdpPayloads.quicClientInitials(dcid, scid, handshake, QUIC_DATAGRAM_BYTES, random);
            }
        };
    }

    private static String mixedCase(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append(i % 2 == 0 ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        String mixed = b.toString();
        // A name with no letters at even positions stays as it is; upper-case it all so it still differs.
        return mixed.equals(name) ? name.toUpperCase(Locale.ROOT) : mixed;
    }

    /**
     * Re-frames one handshake record as two: RFC 8446 §5.1 lets a handshake message span records. Record header:
     * type(1) version(2) length(2).
     */
    static byte[] recordSplit(byte[] record) {
        byte[] message = Arrays.copyOfRange(record, 5, record.length);
        int cut = message.length / 2;
        return concat(record(record, Arrays.copyOfRange(message, 0, cut)),
                record(record, Arrays.copyOfRange(message, cut, message.length)));
    }

    private static byte[] record(byte[] template, byte[] fragment) {
        byte[] r = new byte[5 + fragment.length];
        r[0] = template[0];
        r[1] = template[1];
        r[2] = template[2];
        r[3] = (byte) (fragment.length >>> 8);
        r[4] = (byte) fragment.length;
        System.arraycopy(fragment, 0, r, 5, fragment.length);
        return r;
    }

    /**
     * Appends a padding extension (type 0x0015, RFC 7685) and fixes the three lengths. Layout (RFC 8446 §4.1.2):
     * record header(5), handshake type(1) length(3), legacy_version(2), random(32), session_id<1>, cipher_suites<2>,
     * compression_methods<1>, extensions<2>.
     */
    static byte[] withPadding(byte[] hello, int paddingBytes) {
        int at = 5 + 4 + 2 + 32;
        at += 1 + (hello[at] & 0xff);
        at += 2 + (((hello[at] & 0xff) << 8) | (hello[at + 1] & 0xff));
        at += 1 + (hello[at] & 0xff);
        int extensionsLengthAt = at;
        int added = 4 + paddingBytes;
        byte[] out = Arrays.copyOf(hello, hello.length + added);
        int p = hello.length;
        out[p] = 0x00;
        out[p + 1] = 0x15;
        out[p + 2] = (byte) (paddingBytes >>> 8);
        out[p + 3] = (byte) paddingBytes;
        addU16(out, extensionsLengthAt, added);
        int handshakeLength = ((out[6] & 0xff) << 16) | ((out[7] & 0xff) << 8) | (out[8] & 0xff);
        handshakeLength += added;
        out[6] = (byte) (handshakeLength >>> 16);
        out[7] = (byte) (handshakeLength >>> 8);
        out[8] = (byte) handshakeLength;
        addU16(out, 3, added);
        return out;
    }

    private static void addU16(byte[] b, int at, int delta) {
        int v = (((b[at] & 0xff) << 8) | (b[at + 1] & 0xff)) + delta;
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
