package dev.censorsim.classify;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds ClientHellos byte by byte for the cases the JDK will not produce: ECH/ESNI, malformed lengths, and record
 * splits at chosen offsets. Layout per RFC 8446 §4.1.2 and §5.1; lengths are computed unless overridden.
 */
final class ClientHelloBuilder {

    private final List<byte[]> extensions = new ArrayList<>();
    private int sessionIdLength = 32;
    private boolean withExtensionBlock = true;
    private int recordVersion = 0x0301;

    static ClientHelloBuilder clientHello() {
        return new ClientHelloBuilder();
    }

    ClientHelloBuilder sni(String hostName) {
        return sniRaw(hostName.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** server_name with one host_name entry holding exactly these bytes. */
    ClientHelloBuilder sniRaw(byte[] name) {
        byte[] data = new byte[2 + 3 + name.length];
        put16(data, 0, 3 + name.length);
        data[2] = 0;
        put16(data, 3, name.length);
        System.arraycopy(name, 0, data, 5, name.length);
        return extension(TlsClientHelloParser.EXT_SERVER_NAME, data);
    }

    ClientHelloBuilder alpn(String... names) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String n : names) {
            byte[] b = n.getBytes(StandardCharsets.ISO_8859_1);
            list.write(b.length);
            list.writeBytes(b);
        }
        byte[] l = list.toByteArray();
        byte[] data = new byte[2 + l.length];
        put16(data, 0, l.length);
        System.arraycopy(l, 0, data, 2, l.length);
        return extension(TlsClientHelloParser.EXT_ALPN, data);
    }

    /** An encrypted_client_hello "outer" extension: config id, cipher suite, enc and payload are opaque here. */
    ClientHelloBuilder ech() {
        byte[] data = new byte[1 + 4 + 1 + 2 + 32 + 2 + 144];
        data[0] = 0; // ECHClientHelloType outer
        put16(data, 5 + 1, 32);
        put16(data, 5 + 1 + 2 + 32, 144);
        return extension(TlsClientHelloParser.EXT_ENCRYPTED_CLIENT_HELLO, data);
    }

    ClientHelloBuilder esni() {
        return extension(TlsClientHelloParser.EXT_ENCRYPTED_SERVER_NAME, new byte[80]);
    }

    /** Some padding-like filler extension, e.g. to make the hello cross record boundaries at chosen places. */
    ClientHelloBuilder padding(int length) {
        return extension(0x0015, new byte[length]);
    }

    ClientHelloBuilder extension(int type, byte[] data) {
        byte[] ext = new byte[4 + data.length];
        put16(ext, 0, type);
        put16(ext, 2, data.length);
        System.arraycopy(data, 0, ext, 4, data.length);
        extensions.add(ext);
        return this;
    }

    /** Inserts an extension header whose length field claims {@code claimedLength} but carries {@code data}. */
    ClientHelloBuilder lyingExtension(int type, int claimedLength, byte[] data) {
        byte[] ext = new byte[4 + data.length];
        put16(ext, 0, type);
        put16(ext, 2, claimedLength);
        System.arraycopy(data, 0, ext, 4, data.length);
        extensions.add(ext);
        return this;
    }

    ClientHelloBuilder sessionIdLength(int length) {
        this.sessionIdLength = length;
        return this;
    }

    /** TLS 1.2-style hello that ends after compression_methods. */
    ClientHelloBuilder withoutExtensionBlock() {
        this.withExtensionBlock = false;
        return this;
    }

    ClientHelloBuilder recordVersion(int version) {
        this.recordVersion = version;
        return this;
    }

    /** Handshake message: type 1, u24 length, body. */
    byte[] handshake() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(3);
        for (int i = 0; i < 32; i++) {
            body.write(i * 7);
        }
        body.write(sessionIdLength);
        body.writeBytes(new byte[sessionIdLength]);
        byte[] suites = {0x13, 0x01, 0x13, 0x02, (byte) 0xc0, 0x2f};
        body.write(0);
        body.write(suites.length);
        body.writeBytes(suites);
        body.write(1);
        body.write(0);
        if (withExtensionBlock) {
            int total = extensions.stream().mapToInt(e -> e.length).sum();
            body.write(total >> 8);
            body.write(total);
            extensions.forEach(body::writeBytes);
        }
        byte[] b = body.toByteArray();
        byte[] hs = new byte[4 + b.length];
        hs[0] = 1;
        hs[1] = (byte) (b.length >> 16);
        hs[2] = (byte) (b.length >> 8);
        hs[3] = (byte) b.length;
        System.arraycopy(b, 0, hs, 4, b.length);
        return hs;
    }

    /** The hello in one record. */
    byte[] record() {
        return records(handshake(), recordVersion, Integer.MAX_VALUE);
    }

    /** The hello split into records whose fragments end at these handshake offsets (ascending). */
    byte[] recordsSplitAt(int... handshakeOffsets) {
        return frame(handshake(), recordVersion, handshakeOffsets);
    }

    static byte[] records(byte[] handshake, int version, int maxFragment) {
        List<Integer> cuts = new ArrayList<>();
        for (int at = maxFragment; at < handshake.length; at += maxFragment) {
            cuts.add(at);
        }
        return frame(handshake, version, cuts.stream().mapToInt(Integer::intValue).toArray());
    }

    static byte[] frame(byte[] handshake, int version, int... cuts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
        ends[cuts.length] = handshake.length;
        for (int end : ends) {
            int n = end - from;
            out.write(22);
            out.write(version >> 8);
            out.write(version);
            out.write(n >> 8);
            out.write(n);
            out.write(handshake, from, n);
            from = end;
        }
        return out.toByteArray();
    }

    /** Wraps raw bytes in one record header (for records carrying a hand-made handshake, even an invalid one). */
    static byte[] record(byte[] fragment) {
        return frame(fragment, 0x0301);
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 8);
        b[at + 1] = (byte) v;
    }
}
