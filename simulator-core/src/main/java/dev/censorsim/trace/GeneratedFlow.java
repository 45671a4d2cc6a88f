package dev.censorsim.trace;

import dev.censorsim.classify.Protocol;

/**
 * Ground truth for one flow the trace generator wrote: what a correct classifier must report for it.
 *
 * @param client    client address and port, e.g. {@code 10.20.0.7:40123} or {@code [fd00:20::7]:40123}
 * @param server    server address and port
 * @param transport {@code tcp} or {@code udp}
 * @param protocol  the protocol the flow speaks (RTP for calls, which open with STUN)
 * @param name      the TLS SNI, HTTP Host or DNS query name, or {@code null}
 * @param packets   packets written for the flow, both directions
 * @param bytes     bytes on the wire (whole frames) written for the flow
 */
public record GeneratedFlow(String client, String server, String transport, Protocol protocol, String name,
                            int packets, long bytes) {
}
