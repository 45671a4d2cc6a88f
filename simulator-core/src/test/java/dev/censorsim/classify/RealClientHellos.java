package dev.censorsim.classify;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** ClientHellos produced by the JDK's own TLS client, the closest thing to a capture that needs no network. */
final class RealClientHellos {

    private RealClientHellos() {
    }

    /**
     * The first flight of a JDK client engine.
     *
     * @param sni       server_name to send, or {@code null} for none
     * @param alpn      ALPN names, possibly empty
     * @param protocols enabled protocol versions, e.g. {@code "TLSv1.3"}; none for the JDK default
     */
    static byte[] jdk(String sni, List<String> alpn, String... protocols) {
        try {
            SSLEngine engine = SSLContext.getDefault().createSSLEngine();
            engine.setUseClientMode(true);
            SSLParameters params = engine.getSSLParameters();
            List<SNIServerName> names = sni == null ? List.of() : List.of(new SNIHostName(sni));
            params.setServerNames(names);
            params.setApplicationProtocols(alpn.toArray(new String[0]));
            if (protocols.length > 0) {
                params.setProtocols(protocols);
            }
            engine.setSSLParameters(params);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
            if (result.bytesProduced() == 0) {
                throw new IllegalStateException("SSLEngine produced no ClientHello: " + result);
            }
            engine.closeOutbound();
            return Arrays.copyOf(out.array(), out.position());
        } catch (NoSuchAlgorithmException | SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A varied set: TLS 1.3 and 1.2, with and without SNI and ALPN, long and short names. */
    static List<Sample> samples() {
        List<Sample> samples = new ArrayList<>();
        samples.add(new Sample("g.whatsapp.net", List.of("h2", "http/1.1"),
                jdk("g.whatsapp.net", List.of("h2", "http/1.1"))));
        samples.add(new Sample("web.telegram.org", List.of(), jdk("web.telegram.org", List.of(), "TLSv1.3")));
        samples.add(new Sample("rr3---sn-abc.googlevideo.com", List.of("http/1.1"),
                jdk("rr3---sn-abc.googlevideo.com", List.of("http/1.1"), "TLSv1.2")));
        samples.add(new Sample(null, List.of("h2"), jdk(null, List.of("h2"))));
        samples.add(new Sample(null, List.of(), jdk(null, List.of(), "TLSv1.2")));
        String longName = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(57) + ".com";
        samples.add(new Sample(longName, List.of("x-custom-protocol/1"),
                jdk(longName, List.of("x-custom-protocol/1"))));
        samples.add(new Sample("Mixed.Case.Example", List.of(), jdk("Mixed.Case.Example", List.of())));
        return samples;
    }

    /** A ClientHello and what a correct parser must read from it. */
    record Sample(String sni, List<String> alpn, byte[] bytes) {
        @Override
        public String toString() {
            return "ClientHello(sni=" + sni + ", alpn=" + alpn + ", " + bytes.length + " bytes)";
        }
    }
}
