package dev.censorsim.dns;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.policy.PolicyHolder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Decides the answer to a query: the policy's DNS rules first (record surgery), then the zones as an authoritative
 * server answers (RFC 1034 4.3.2 without wildcards or delegation), then the upstream when forwarding is on, else
 * REFUSED. Thread-safe: zones are immutable and the policy is read once per query from the {@link PolicyHolder}.
 */
final class DnsResponder {

    /** CNAME hops followed inside a zone before giving up; also what makes a CNAME loop end. */
    static final int MAX_CNAME_CHAIN = 12;
    private static final int CNAME = DnsRecordType.CNAME.intValue();
    private static final int ANY = DnsRecordType.ANY.intValue();
    private static final int A = DnsRecordType.A.intValue();
    private static final int AAAA = DnsRecordType.AAAA.intValue();
    private static final int CLASS_IN = 1;
    private static final int CLASS_ANY = 255;

    private final Zone[] zones;
    private final PolicyHolder policy;
    private final DnsForwarder forwarder;
    private final Predicate<InetAddress> allowed;

    DnsResponder(List<Zone> zones, PolicyHolder policy, DnsForwarder forwarder) {
        this(zones, policy, forwarder, client -> true);
    }

    DnsResponder(List<Zone> zones, PolicyHolder policy, DnsForwarder forwarder, Predicate<InetAddress> allowed) {
        this.allowed = allowed;
        // Longest origin first, so that a child zone wins over its parent.
        this.zones = zones.stream().sorted((x, y) -> Integer.compare(y.origin().length(), x.origin().length()))
                .toArray(Zone[]::new);
        this.policy = policy;
        this.forwarder = forwarder;
    }

    /**
     * Answers {@code query}, calling {@code reply} exactly once: at once for zone answers and policy verdicts, later
     * (on another thread) for forwarded ones.
     */
    void respond(IncomingQuery query, InetAddress client, Consumer<DnsAnswer> reply) {
        if (!allowed.test(client)) {
            reply.accept(DnsAnswer.ofRcode(DnsAnswer.REFUSED)); // RFC 1035 4.1.1: refused "for policy reasons"
            return;
        }
        if (query.problem() != null) {
            DnsAnswer a = DnsAnswer.ofRcode(query.problem().rcode);
            a.recursionAvailable = forwarder != null;
            reply.accept(a);
            return;
        }
        String key = DnsNames.key(query.questionName());
        int qtype = query.questionType();
        Zone zone = zoneFor(key);
        CompiledPolicy current = policy.current();
        DnsRule rule = current.evaluateDns(key, qtype, client);
        Surgery surgery = null;
        if (rule != null) {
            surgery = new Surgery();
            rule.action().apply(surgery);
        }
        if (query.questionClass() != CLASS_IN && query.questionClass() != CLASS_ANY) {
            zone = null; // only class IN is served; CH/HS questions are outside every zone
        }
        DnsAnswer answer;
        if (surgery != null && !surgery.needsData()) {
            answer = verdict(surgery, zone, query, key);
        } else if (zone != null) {
            answer = fromZone(zone, query.questionName(), key, qtype);
            if (surgery != null) {
                edit(answer, surgery, zone);
            }
        } else if (forwarder != null) {
            Surgery edits = surgery;
            String ruleName = rule == null ? null : rule.name();
            forwarder.forward(query, upstream -> {
                DnsAnswer forwarded = fromUpstream(upstream);
                if (qtype == ANY) {
                    minimiseAny(forwarded);
                }
                if (edits != null) {
                    edit(forwarded, edits, null);
                }
                forwarded.ruleName = ruleName;
                reply.accept(forwarded);
            });
            return;
        } else {
            answer = DnsAnswer.ofRcode(DnsAnswer.REFUSED);
        }
        answer.recursionAvailable = forwarder != null;
        answer.ruleName = rule == null ? null : rule.name();
        reply.accept(answer);
    }

    private Zone zoneFor(String key) {
        for (Zone zone : zones) {
            if (zone.contains(key)) {
                return zone;
            }
        }
        return null;
    }

    /** An authoritative answer from {@code zone}, following CNAMEs that stay inside it. */
    static DnsAnswer fromZone(Zone zone, String questionName, String key, int qtype) {
        DnsAnswer a = new DnsAnswer();
        a.authoritative = true;
        String name = key;
        String owner = questionName; // the first owner keeps the client's spelling, as it was asked
        String[] visited = null; // only CNAME chains need it
        for (int hop = 0; ; hop++) {
            Map<Integer, RecordSet> node = zone.node(name);
            if (node == null) {
                // RFC 6604 3: after a CNAME the RCODE describes the last name of the chain.
                a.rcode = zone.isEmptyNonTerminal(name) ? DnsAnswer.NOERROR : DnsAnswer.NXDOMAIN;
                addSoa(a, zone);
                return a;
            }
            if (qtype == ANY) {
                // RFC 8482 4.1: answer ANY with one RRset, not the whole node, so that ANY is no amplifier. The
                // address sets first: what a client asking ANY most likely wants.
                RecordSet one = node.get(A);
                if (one == null) {
                    one = node.get(AAAA);
                }
                if (one == null) {
                    one = node.entrySet().stream().min(Map.Entry.comparingByKey()).map(Map.Entry::getValue)
                            .orElse(null);
                }
                if (one != null) {
                    one.addTo(a.answers, ownerName(owner));
                }
                return a;
            }
            RecordSet set = node.get(qtype);
            if (set != null) {
                set.addTo(a.answers, ownerName(owner));
                return a;
            }
            RecordSet cname = node.get(CNAME);
            if (cname == null) {
                addSoa(a, zone); // NODATA: the name exists with other types
                return a;
            }
            cname.addTo(a.answers, ownerName(owner));
            if (visited == null) {
                visited = new String[MAX_CNAME_CHAIN];
            }
            visited[hop] = name;
            String target = cname.cnameTarget();
            if (!zone.contains(target) || hop + 1 >= MAX_CNAME_CHAIN || seen(visited, hop, target)) {
                return a; // the client's resolver chases targets outside the zone; a loop stops where it closes
            }
            name = target;
            owner = DnsNames.fqdn(target);
        }
    }

    /** RFC 8482 4.1 for a forwarded ANY: keep the first RRset of the upstream's answer, release the rest. */
    static void minimiseAny(DnsAnswer a) {
        if (a.answers.isEmpty()) {
            return;
        }
        DnsRecord first = a.answers.get(0);
        for (Iterator<DnsRecord> it = a.answers.iterator(); it.hasNext(); ) {
            DnsRecord r = it.next();
            if (!r.type().equals(first.type()) || !r.name().equalsIgnoreCase(first.name())) {
                ReferenceCountUtil.release(r);
                it.remove();
            }
        }
    }

    private static boolean seen(String[] visited, int last, String name) {
        for (int i = 0; i <= last; i++) {
            if (visited[i].equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static String ownerName(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static void addSoa(DnsAnswer a, Zone zone) {
        RecordSet soa = zone.soa();
        byte[] rdata = soa.rdata().get(0);
        a.authority.add(new ZoneRecord(DnsNames.fqdn(zone.origin()), DnsRecordType.SOA, zone.negativeTtlSeconds(),
                rdata));
    }

    /** An answer decided by the rule alone: nothing is looked up. */
    private static DnsAnswer verdict(Surgery s, Zone zone, IncomingQuery query, String key) {
        DnsAnswer a = new DnsAnswer();
        a.authoritative = zone != null;
        switch (s.mode) {
            case NXDOMAIN -> {
                a.rcode = DnsAnswer.NXDOMAIN;
                if (zone != null) {
                    addSoa(a, zone);
                }
            }
            case NODATA -> {
                if (zone != null) {
                    addSoa(a, zone);
                }
            }
            case RCODE -> {
                a.rcode = s.rcode;
                a.authoritative = false;
            }
            case DROP -> a.drop = true;
            case SINKHOLE -> {
                int qtype = query.questionType();
                byte[] address = qtype == A ? s.ipv4 : qtype == AAAA ? s.ipv6 : null;
                if (address != null) {
                    a.answers.add(new ZoneRecord(ownerName(query.questionName()), DnsRecordType.valueOf(qtype),
                            s.sinkholeTtl, address));
                } else if (zone != null) {
                    addSoa(a, zone);
                }
            }
            default -> throw new IllegalStateException("not a verdict: " + s.mode + " for " + key);
        }
        return a;
    }

    /** Strip and TTL edits on an answer that came from a zone or upstream. */
    static void edit(DnsAnswer a, Surgery s, Zone zone) {
        if (s.stripTypes != null) {
            boolean had = !a.answers.isEmpty();
            for (Iterator<DnsRecord> it = a.answers.iterator(); it.hasNext(); ) {
                DnsRecord r = it.next();
                if (s.strips(r.type().intValue())) {
                    ReferenceCountUtil.release(r);
                    it.remove();
                }
            }
            if (had && a.answers.isEmpty() && a.rcode == DnsAnswer.NOERROR && a.authority.isEmpty()
                    && zone != null) {
                addSoa(a, zone);
            }
        }
        if (s.ttlOverride >= 0) {
            for (int i = 0; i < a.answers.size(); i++) {
                DnsRecord r = a.answers.get(i);
                if (r instanceof DnsRawRecord raw) {
                    a.answers.set(i, withTtl(raw, s.ttlOverride));
                }
            }
        }
    }

    private static DnsRecord withTtl(DnsRawRecord raw, long ttl) {
        if (raw instanceof ZoneRecord z) {
            return new ZoneRecord(z.name(), z.type(), ttl, z.rdata());
        }
        DnsRecord copy = new DefaultDnsRawRecord(raw.name(), raw.type(), raw.dnsClass(), ttl, raw.content().retain());
        raw.release();
        return copy;
    }

    /** Copies the answer and authority of an upstream response; {@code null} (timeout) becomes SERVFAIL. */
    private static DnsAnswer fromUpstream(DnsResponse response) {
        if (response == null) {
            DnsAnswer a = DnsAnswer.ofRcode(DnsAnswer.SERVFAIL);
            a.forwarded = true;
            a.recursionAvailable = true;
            return a;
        }
        DnsAnswer a = new DnsAnswer();
        a.forwarded = true;
        a.recursionAvailable = true;
        a.rcode = response.code().intValue() & 0xf;
        copySection(response, DnsSection.ANSWER, a.answers);
        copySection(response, DnsSection.AUTHORITY, a.authority);
        return a;
    }

    private static void copySection(DnsResponse response, DnsSection section, List<DnsRecord> out) {
        int n = response.count(section);
        for (int i = 0; i < n; i++) {
            DnsRecord r = response.recordAt(section, i);
            if (r instanceof DnsRawRecord raw && DnsForwarder.isRelayable(raw.type())) {
                out.add(raw.retainedDuplicate());
            } else if (!(r instanceof DnsRawRecord)) {
                out.add(r); // PTR: Netty decoded its name already; immutable, nothing to retain
            }
        }
    }
}
