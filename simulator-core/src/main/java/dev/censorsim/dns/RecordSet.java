package dev.censorsim.dns;

import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;

import java.util.ArrayList;
import java.util.List;

/**
 * The records of one owner name and type (an RRset, RFC 2181 section 5): one TTL, the RDATA of each record as
 * uncompressed wire bytes. Immutable after the zone is built; answers wrap the bytes without copying them.
 */
final class RecordSet {

    private final DnsRecordType type;
    private final long ttlSeconds;
    private final List<byte[]> rdata = new ArrayList<>(2);
    private final String cnameTarget;

    RecordSet(DnsRecordType type, long ttlSeconds, String cnameTarget) {
        this.type = type;
        this.ttlSeconds = ttlSeconds;
        this.cnameTarget = cnameTarget;
    }

    DnsRecordType type() {
        return type;
    }

    long ttlSeconds() {
        return ttlSeconds;
    }

    /** For a CNAME set, the canonical name (lower case, no trailing dot); {@code null} otherwise. */
    String cnameTarget() {
        return cnameTarget;
    }

    int size() {
        return rdata.size();
    }

    void add(byte[] bytes) {
        for (byte[] existing : rdata) {
            if (java.util.Arrays.equals(existing, bytes)) {
                return; // RFC 2181 5: an RRset holds no duplicates
            }
        }
        rdata.add(bytes);
    }

    /**
     * Appends one record per RDATA under {@code ownerFqdn}. Each record owns a fresh wrapper over the shared bytes, so
     * releasing the response releases nothing the zone still needs.
     */
    void addTo(List<DnsRecord> out, String ownerFqdn) {
        for (byte[] bytes : rdata) {
            out.add(new ZoneRecord(ownerFqdn, type, ttlSeconds, bytes));
        }
    }

    List<byte[]> rdata() {
        return rdata;
    }
}
