package dev.censorsim.messenger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * What a messenger client trusts: the certificate authorities whose server certificates it accepts. The server's CA is
 * generated at start-up, so a client in another process reads it from the PEM file the server wrote.
 *
 * @param authorities at least one CA certificate
 */
public record MessengerTrust(List<X509Certificate> authorities) {

    public MessengerTrust {
        authorities = List.copyOf(authorities);
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("trust needs at least one CA certificate");
        }
    }

    /** The authorities as concatenated PEM blocks. */
    public String toPem() {
        StringBuilder pem = new StringBuilder();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate certificate : authorities) {
            try {
                pem.append("-----BEGIN CERTIFICATE-----\n")
                        .append(base64.encodeToString(certificate.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("cannot encode " + certificate.getSubjectX500Principal(), e);
            }
        }
        return pem.toString();
    }

    /** Writes {@link #toPem()} to {@code file}, replacing it. */
    public void writePem(Path file) throws IOException {
        Files.writeString(file, toPem(), StandardCharsets.US_ASCII);
    }

    /**
     * Reads every certificate of a PEM file.
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static MessengerTrust readPem(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            Collection<? extends java.security.cert.Certificate> parsed = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes));
            List<X509Certificate> certificates = new ArrayList<>();
            for (java.security.cert.Certificate c : parsed) {
                certificates.add((X509Certificate) c);
            }
            if (certificates.isEmpty()) {
                throw new IOException(file + ": no certificate found");
            }
            return new MessengerTrust(certificates);
        } catch (CertificateException e) {
            throw new IOException(file + ": not a PEM certificate file: " + e.getMessage(), e);
        }
    }
}
