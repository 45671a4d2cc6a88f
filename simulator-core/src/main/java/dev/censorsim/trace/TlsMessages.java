package dev.censorsim.trace;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Byte-exact TLS 1.3 first-flight messages shaped like a current browser's, built from a template so a seed gives the
 * same bytes every run (the JDK's SSLEngine would randomise the random, the session id and the key share). Layouts:
 * RFC 8446 §5.1 (record), §4.1.2 (ClientHello), §4.1.3 (ServerHello), §4.2 (extensions); RFC 6066 §3 (SNI); RFC 7301
 * (ALPN); draft-ietf-tls-esni-18 §5 (encrypted_client_hello, outer).
 */
public final class TlsMessages {

    private static final int[] CIPHER_SUITES = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
        0xcca8};
    private static final int[] GROUPS = {0x001d, 0x0017, 0x0018};
    /** X25519MLKEM768 first, as Chrome 131+ and Firefox 132+ offer it (draft-kwiatkowski-tls-ecdhe-mlkem). */
    private static final int[] POST_QUANTUM_GROUPS = {0x11ec, 0x001d, 0x0017, 0x0018};
    private static final int X25519_MLKEM768 = 0x11ec;
    /** ML-KEM-768 encapsulation key (1184 bytes) followed by the X25519 share (32 bytes). */
    public static final int X25519_MLKEM768_SHARE_LENGTH = 1216;
    private static final int[] SIGNATURE_SCHEMES = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

    private TlsMessages() {
    }

    /**
     * A ClientHello in one handshake record.
     *
     * @param sni  the server_name, or {@code null} for none
     * @param alpn ALPN protocol names, empty for none
     * @param ech  add an outer encrypted_client_hello extension (random payload, as GREASE ECH sends)
     */
    public static byte[] clientHello(String sni, List<String> alpn, boolean ech, RandomGenerator random) {
        return clientHello(sni, alpn, ech, false, random);
    }

    /**
     * A ClientHello in one handshake record, optionally with a post-quantum key share as current browsers send: the
     * X25519MLKEM768 group first in supported_groups and a 1216-byte share for it before the X25519 share, which makes
     * the message about 1.5 KB, more than one QUIC Initial or TCP segment holds.
     *
     * @param postQuantum offer X25519MLKEM768 with its key share
     */
    public static byte[] clientHello(String sni, List<String> alpn, boolean ech, boolean postQuantum,
                                     RandomGenerator random) {
        int[] groups = postQuantum ? POST_QUANTUM_GROUPS : GROUPS;
        Bytes extensions = new Bytes();
        if (sni != null) {
            byte[] name = sni.getBytes(StandardCharsets.US_ASCII);
            extensions.u16(0x0000).u16(name.length + 5).u16(name.length + 3).u8(0).u16(name.length).raw(name);
        }
        extensions.u16(0x0017).u16(0);
        extensions.u16(0xff01).u16(1).u8(0);
        extensions.u16(0x000a).u16(2 + groups.length * 2).u16(groups.length * 2);
        for (int group : groups) {
            extensions.u16(group);
        }
        extensions.u16(0x000b).u16(2).u8(1).u8(0);
        extensions.u16(0x0023).u16(0);
        if (!alpn.isEmpty()) {
            Bytes list = new Bytes();
            for (String protocol : alpn) {
                byte[] p = protocol.getBytes(StandardCharsets.US_ASCII);
                list.u8(p.length).raw(p);
            }
            extensions.u16(0x0010).u16(list.size() + 2).u16(list.size()).raw(list.toArray());
        }
        extensions.u16(0x000d).u16(2 + SIGNATURE_SCHEMES.length * 2).u16(SIGNATURE_SCHEMES.length * 2);
        for (int scheme : SIGNATURE_SCHEMES) {
            extensions.u16(scheme);
        }
        if (postQuantum) {
            int shares = 4 + X25519_MLKEM768_SHARE_LENGTH + 4 + 32;
            extensions.u16(0x0033).u16(2 + shares).u16(shares)
                    .u16(X25519_MLKEM768).u16(X25519_MLKEM768_SHARE_LENGTH)
                    .raw(randomBytes(random, X25519_MLKEM768_SHARE_LENGTH))
                    .u16(0x001d).u16(32).raw(randomBytes(random, 32));
        } else {
            extensions.u16(0x0033).u16(2 + 4 + 32).u16(4 + 32).u16(0x001d).u16(32).raw(randomBytes(random, 32));
        }
        extensions.u16(0x002d).u16(2).u8(1).u8(1);
        extensions.u16(0x002b).u16(5).u8(4).u16(0x0304).u16(0x0303);
        if (ech) {
            byte[] enc = randomBytes(random, 32);
            byte[] payload = randomBytes(random, 144 + random.nextInt(4) * 32);
            extensions.u16(0xfe0d).u16(1 + 4 + 1 + 2 + enc.length + 2 + payload.length)
                    .u8(0).u16(0x0001).u16(0x0001).u8(random.nextInt(256))
                    .u16(enc.length).raw(enc).u16(payload.length).raw(payload);
        }
        Bytes body = new Bytes();
        body.u16(0x0303).raw(randomBytes(random, 32)).u8(32).raw(randomBytes(random, 32));
        body.u16(CIPHER_SUITES.length * 2);
        for (int suite : CIPHER_SUITES) {
            body.u16(suite);
        }
        body.u8(1).u8(0);
        body.u16(extensions.size()).raw(extensions.toArray());
        return record(22, 0x0301, handshake(1, body.toArray()));
    }

    /** A TLS 1.3 ServerHello (x25519 share, TLS_AES_128_GCM_SHA256) echoing a 32-byte session id. */
    public static byte[] serverHello(RandomGenerator random) {
        Bytes extensions = new Bytes();
        extensions.u16(0x002b).u16(2).u16(0x0304);
        extensions.u16(0x0033).u16(4 + 32).u16(0x001d).u16(32).raw(randomBytes(random, 32));
        Bytes body = new Bytes();
        body.u16(0x0303).raw(randomBytes(random, 32)).u8(32).raw(randomBytes(random, 32));
        body.u16(0x1301).u8(0).u16(extensions.size()).raw(extensions.toArray());
        return record(22, 0x0303, handshake(2, body.toArray()));
    }

    /** The middlebox-compatibility change_cipher_spec record (RFC 8446 §D.4). */
    public static byte[] changeCipherSpec() {
        return record(20, 0x0303, new byte[] {1});
    }

    /** An application_data record of {@code length} opaque (encrypted-looking) bytes. */
    public static byte[] applicationData(int length, RandomGenerator random) {
        return record(23, 0x0303, randomBytes(random, length));
    }

    static byte[] handshake(int type, byte[] body) {
        return new Bytes().u8(type).u24(body.length).raw(body).toArray();
    }

    static byte[] record(int contentType, int version, byte[] fragment) {
        return new Bytes().u8(contentType).u16(version).u16(fragment.length).raw(fragment).toArray();
    }

    static byte[] randomBytes(RandomGenerator random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A tiny big-endian writer for generation-time message building. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes u16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Bytes u24(int v) {
            out.write(v >>> 16);
            return u16(v);
        }

        Bytes u32(int v) {
            u16(v >>> 16);
            return u16(v);
        }

        Bytes raw(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }
}
