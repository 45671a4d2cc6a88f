package dev.censorsim.policy;

import dev.censorsim.classify.Protocol;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * Everything a rule may match a UDP flow on.
 *
 * @param client              the client's address as the censor sees it
 * @param server              the destination address and port
 * @param protocol            what the flow's datagrams were recognised as so far
 * @param firstDatagramLength UDP payload size of the flow's first client datagram (the 2022 QUIC block keyed on it)
 * @param names               host names the client's signalling recently used (TLS SNI seen by the TCP proxy, see
 *                            {@code proxy.udp.FlowNames}); {@code sni} and {@code domain} keys match against them
 */
public record UdpFlowFacts(InetSocketAddress client, InetSocketAddress server, Protocol protocol,
                           int firstDatagramLength, List<String> names) {

    public UdpFlowFacts {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(protocol, "protocol");
        names = List.copyOf(names);
    }
}
