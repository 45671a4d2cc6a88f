package dev.censorsim.policy.action.dns;

/**
 * What a DNS rule does to a query it matched: the DNS counterpart of {@link dev.censorsim.policy.TcpAction}. One
 * immutable record per file, registered under the stable {@link #type()} name that policy files use.
 */
public interface DnsAction {

    /** The policy-file name of this action. */
    String type();

    /** Tells the server how to answer the query this action matched. Called once per query, on the event loop. */
    void apply(DnsAnswerControl answer);

    /** A short human description for query logs and reports, e.g. {@code "strip AAAA, HTTPS"}. */
    String describe();
}
