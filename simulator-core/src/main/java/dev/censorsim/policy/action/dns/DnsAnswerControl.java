package dev.censorsim.policy.action.dns;

/**
 * The knobs a {@link DnsAction} turns on the answer to one query. The server starts from "answer as the zone (or the
 * upstream) says" and each call overrides that; the server, not the action, builds the wire response.
 */
public interface DnsAnswerControl {

    /** Answer NXDOMAIN (with the zone's SOA in the authority section when the name lies in a zone). */
    void nxdomain();

    /** Answer NOERROR with an empty answer section (NODATA), with the zone's SOA when the name lies in a zone. */
    void nodata();

    /** Answer with this RCODE (SERVFAIL = 2, REFUSED = 5) and no records. */
    void rcode(int rcode);

    /** Send nothing at all: the client times out. */
    void drop();

    /**
     * Answer A queries with {@code ipv4} and AAAA queries with {@code ipv6} (each may be {@code null}: NODATA for that
     * type); every other type gets NODATA.
     */
    void sinkhole(byte[] ipv4, byte[] ipv6, long ttlSeconds);

    /** Answer normally, then remove every record of these types (RR type numbers) from the answer section. */
    void strip(int[] recordTypes);

    /** Answer normally, with every answer record's TTL replaced by {@code ttlSeconds}. */
    void overrideTtl(long ttlSeconds);
}
