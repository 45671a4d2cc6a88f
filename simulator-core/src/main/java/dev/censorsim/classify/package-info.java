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
 * {@link dev.censorsim.classify.DomainMatcher} answers "is this name, or a parent of it, on the list" without
 * allocating, for lists of up to millions of names.
 *
 * <p>Threading: parsers and classifiers belong to one flow and its event loop; a {@code DomainMatcher} is immutable and
 * shared by all.
 */
package dev.censorsim.classify;
