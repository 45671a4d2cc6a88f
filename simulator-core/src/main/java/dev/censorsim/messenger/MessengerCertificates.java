package dev.censorsim.messenger;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import javax.net.ssl.SSLContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A certificate authority generated at start-up, and a server certificate it issued for the given names. The client
 * side trusts only that CA, so TLS is verified end to end while the censor sees the real ClientHello.
 */
public final class MessengerCertificates {

    private final X509Bundle ca;
    private final X509Bundle server;

    private MessengerCertificates(X509Bundle ca, X509Bundle server) {
        this.ca = ca;
        this.server = server;
    }

    /** Generates a CA and one server certificate whose SANs are {@code names}. */
    public static MessengerCertificates generate(List<String> names) {
        try {
            Instant now = Instant.now();
            X509Bundle ca = new CertificateBuilder()
                    .subject("CN=censorsim demo CA")
                    .setIsCertificateAuthority(true)
                    .notBefore(now.minus(Duration.ofHours(1)))
                    .notAfter(now.plus(Duration.ofDays(1)))
                    .ecp256()
                    .buildSelfSigned();
            CertificateBuilder leaf = new CertificateBuilder()
                    .subject("CN=censorsim synthetic messenger")
                    .notBefore(now.minus(Duration.ofHours(1)))
                    .notAfter(now.plus(Duration.ofDays(1)))
                    .addExtendedKeyUsageServerAuth()
                    .ecp256();
            for (String name : names) {
                leaf.addSanDnsName(name);
            }
            return new MessengerCertificates(ca, leaf.buildIssuedBy(ca));
        } catch (Exception e) {
            throw new IllegalStateException("cannot generate the messenger certificates: " + e.getMessage(), e);
        }
    }

    /** Netty server context presenting the issued certificate. */
    public SslContext serverContext() {
        try {
            return SslContextBuilder.forServer(server.toKeyManagerFactory()).build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build server TLS context: " + e.getMessage(), e);
        }
    }

    /** JDK client context that trusts only the generated CA. */
    public SSLContext clientContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, ca.toTrustManagerFactory().getTrustManagers(), new SecureRandom());
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build client TLS context: " + e.getMessage(), e);
        }
    }

    public X509Bundle ca() {
        return ca;
    }

    public X509Bundle server() {
        return server;
    }
}
