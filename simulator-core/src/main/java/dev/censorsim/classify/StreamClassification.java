package dev.censorsim.classify;

import java.util.List;
import java.util.Objects;

/**
 * What the classifier learnt from the first client-to-server bytes of a TCP flow. Built once per flow, so it may hold
 * {@code String}s; the per-read parsing that produces it allocates nothing.
 *
 * @param protocol what the flow speaks
 * @param sni      TLS ClientHello server_name (host_name type), or {@code null}; exactly as sent, so case and a
 *                 trailing dot survive (evasions a rule must see): match it with {@link DomainMatcher}, which
 *                 normalises
 * @param httpHost HTTP/1.x Host header value without port, or {@code null}; as sent, like {@code sni}; an IPv6 literal
 *                 comes without its brackets; {@code null} also when the head had several Host lines
 * @param alpn     ALPN protocol names offered by the ClientHello, in order; empty when none
 * @param ech      the ClientHello carries an encrypted_client_hello extension (0xfe0d)
 * @param esni     the ClientHello carries the draft encrypted_server_name extension (0xffce)
 */
public record StreamClassification(Protocol protocol, String sni, String httpHost, List<String> alpn, boolean ech,
                                   boolean esni) {

    public static final StreamClassification UNKNOWN =
            new StreamClassification(Protocol.UNKNOWN, null, null, List.of(), false, false);

    public StreamClassification {
        Objects.requireNonNull(protocol, "protocol");
        alpn = List.copyOf(alpn);
    }

    /** The name a person would recognise the flow by: SNI, else HTTP Host, else {@code null}. */
    public String serverName() {
        return sni != null ? sni : httpHost;
    }
}
