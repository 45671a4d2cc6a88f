package dev.censorsim.dns;

import io.netty.handler.codec.dns.DnsRecord;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer to one query before it is written: RCODE, flags and the records of the answer and authority sections.
 * Owns its records: {@link #release()} once written (or dropped).
 */
final class DnsAnswer {

    static final int NOERROR = 0;
    static final int FORMERR = 1;
    static final int SERVFAIL = 2;
    static final int NXDOMAIN = 3;
    static final int REFUSED = 5;

    int rcode;
    boolean authoritative;
    boolean recursionAvailable;
    /** Send nothing: the {@code timeout} action. */
    boolean drop;
    /** The DNS rule that decided this answer, for the query log; {@code null} when the zone alone did. */
    String ruleName;
    boolean forwarded;
    /** Send the header and question only, with TC set: the response-rate limit's slip. */
    boolean truncate;
    final List<DnsRecord> answers = new ArrayList<>(4);
    final List<DnsRecord> authority = new ArrayList<>(1);

    static DnsAnswer ofRcode(int rcode) {
        DnsAnswer a = new DnsAnswer();
        a.rcode = rcode;
        return a;
    }

    void release() {
        answers.forEach(ReferenceCountUtil::release);
        authority.forEach(ReferenceCountUtil::release);
        answers.clear();
        authority.clear();
    }
}
