package dev.censorsim.policy;

import dev.censorsim.classify.StreamClassification;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Everything a rule may match a TCP flow on.
 *
 * @param client         the client's address as the censor sees it
 * @param server         the resolved upstream address (destination IP and port)
 * @param target         the host name the client asked for through SOCKS5 (ATYP domain), or {@code null}
 * @param classification what the first client bytes were classified as
 */
public record FlowFacts(InetSocketAddress client, InetSocketAddress server, String target,
                        StreamClassification classification) {

    public FlowFacts {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(classification, "classification");
    }
}
