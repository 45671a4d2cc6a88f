package dev.censorsim.capture;

import dev.censorsim.classify.Protocol;

/**
 * One flow as the packet classifier saw it, reported when the flow ends (idle eviction or end of capture). Built once
 * per flow, and only when someone listens.
 *
 * @param client         the client's address and port ({@code 10.0.0.1:40000}, {@code [2001:db8::1]:40000}): the SYN
 *                       sender, else the side that spoke first unless it used a service port toward an ephemeral one
 * @param server         the server's address and port
 * @param transport      {@code tcp} or {@code udp}
 * @param protocol       what the flow was classified as
 * @param sni            TLS server_name, or {@code null}
 * @param host           HTTP Host, or {@code null}
 * @param query          DNS question name, or {@code null}
 * @param ech            the ClientHello carried encrypted_client_hello
 * @param rule           the policy rule that matched, or {@code null}
 * @param action         that rule's action, described, or {@code null}
 * @param packets        packets in both directions
 * @param bytes          bytes on the wire (original frame lengths) in both directions
 * @param firstSeenNanos capture time of the first packet
 * @param lastSeenNanos  capture time of the last packet
 * @param firstPacketIndex the index of the flow's first packet in the capture (0-based, every record counted): unique
 *                       per flow, so sorting on it gives one order for any number of shards (the order flows began)
 */
public record FlowSummary(String client, String server, String transport, Protocol protocol, String sni, String host,
                          String query, boolean ech, String rule, String action, long packets, long bytes,
                          long firstSeenNanos, long lastSeenNanos, long firstPacketIndex) {
}
