/**
 * Recognisers for what a flow speaks, and the domain matcher the policy rules use.
 *
 * <p>Stream face, used by the proxy once per TCP flow:
 * <ul>
 *   <li>{@link dev.censorsim.classify.StreamClassifier}: picks a recogniser from the first byte, feeds it the
 *   client's chunks and produces a {@link dev.censorsim.classify.StreamClassification};</li>
 *   <li>{@link dev.censorsim.classify.TlsClientHelloParser}: incremental ClientHello parser (SNI, ALPN, ECH/ESNI)
 *   that reassembles handshake fragments across TLS records and reads;</li>
 *   <li>{@link dev.censorsim.classify.HttpHostParser}: incremental HTTP/1.x request-head recogniser (Host).</li>
 * </ul>
 * <p>Datagram face, shared by the UDP relay and the offline packet face ({@code dev.censorsim.capture}):
 * {@link dev.censorsim.classify.UdpFlowRecognizer}, the one decision order for a UDP flow (QUIC, then
 * {@link dev.censorsim.classify.FirstDatagramRecognizer}'s DNS, DTLS and VPNs on the first datagram; STUN, RTCP and
 * RTP after), with the per-flow state left to the caller.
 *
 * <p>This package gives facts (names, protocols, shapes), never decisions: it imports nothing from
 * {@code dev.censorsim.policy}, so the proxy, the packet face and the benchmarks all reuse it ({@code LayeringTest}).
 *
 * <p>{@link dev.censorsim.classify.DomainMatcher} answers "is this name, or a parent of it, on the list" without
 * allocating, for lists of up to millions of names.
 *
 * <p>Threading: parsers and classifiers belong to one flow and its event loop; a {@code DomainMatcher} is immutable and
 * shared by all.
 */
package dev.censorsim.classify;
