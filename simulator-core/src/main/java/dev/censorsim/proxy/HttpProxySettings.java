package dev.censorsim.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * How the HTTP proxy front end ({@link ProxyMode#HTTP}) admits requests.
 *
 * @param credentials {@code user:password} that clients must send as {@code Proxy-Authorization: Basic ...}
 *                    (RFC 9110 section 11.7.2, RFC 7617), or {@code null} for none. Without them a request gets 407.
 *                    Basic is plain text: it keeps other local users off a shared box, it is no protection on a
 *                    network (the proxy is loopback-only by default).
 */
public record HttpProxySettings(String credentials) {

    /** No credentials asked for: the loopback-only client allow-list is the only gate. */
    public static final HttpProxySettings OPEN = new HttpProxySettings(null);

    public HttpProxySettings {
        if (credentials != null && credentials.indexOf(':') < 1) {
            throw new IllegalArgumentException("proxy credentials must be user:password");
        }
    }

    /** Whether the request may pass: always without credentials, else only with a matching Basic header. */
    boolean admits(String proxyAuthorization) {
        if (credentials == null) {
            return true;
        }
        if (proxyAuthorization == null) {
            return false;
        }
        String value = proxyAuthorization.trim();
        if (value.length() < 6 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] given;
        try {
            given = Base64.getDecoder().decode(value.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        // Constant time, so the answer's timing does not leak how much of a guess was right.
        return MessageDigest.isEqual(given, credentials.getBytes(StandardCharsets.UTF_8));
    }
}
