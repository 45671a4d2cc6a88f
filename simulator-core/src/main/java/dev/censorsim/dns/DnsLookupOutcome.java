package dev.censorsim.dns;

/** How a lookup ended, in the terms a messenger (and OONI) reports DNS blocking. */
public enum DnsLookupOutcome {
    /** NOERROR with at least one record of the asked type (possibly behind CNAMEs). */
    OK,
    /** RCODE 3: the name does not exist. */
    NXDOMAIN,
    /** NOERROR but no record of the asked type. */
    NODATA,
    /** RCODE 2. */
    SERVFAIL,
    /** RCODE 5. */
    REFUSED,
    /** No answer within the timeout. */
    TIMEOUT,
    /** Any other RCODE, or an answer with TC set (this client does not retry over TCP). */
    ERROR
}
