package dev.censorsim.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.NetUtil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable authoritative zone: an origin, its SOA, and RRsets by owner name and type. Built from an RFC 1035
 * master file by {@link ZoneFileLoader} or inline by a scenario through {@link #builder(String)}:
 * <pre>{@code
 * Zone zone = Zone.builder("whatsapp.net").a("g.whatsapp.net", "127.0.0.1").cname("mmg.whatsapp.net", "g.whatsapp.net").build();
 * }</pre>
 * Names are case-insensitive. There are no wildcards and no delegations (an NS below the apex is served as plain
 * data): the zones model what a censoring resolver answers, not the DNS tree.
 */
public final class Zone {

    /** The SOA a builder makes when none is given: negative answers are cached for {@value #DEFAULT_NEGATIVE_TTL} s. */
    public static final long DEFAULT_NEGATIVE_TTL = 60;

    private final String origin;
    private final Map<String, Map<Integer, RecordSet>> nodes;
    private final Set<String> nonTerminals;
    private final RecordSet soa;
    private final long negativeTtlSeconds;

    private Zone(String origin, Map<String, Map<Integer, RecordSet>> nodes, RecordSet soa, long negativeTtlSeconds) {
        this.origin = origin;
        this.nodes = nodes;
        this.soa = soa;
        this.negativeTtlSeconds = negativeTtlSeconds;
        Set<String> ents = new HashSet<>();
        for (String name : nodes.keySet()) {
            for (String p = name; !p.equals(origin) && !p.isEmpty(); ) {
                p = DnsNames.parent(p);
                if (!nodes.containsKey(p)) {
                    ents.add(p);
                }
            }
        }
        this.nonTerminals = ents;
    }

    /** A builder for the zone at {@code origin} (e.g. {@code "whatsapp.net"}; {@code "."} for the root). */
    public static Builder builder(String origin) {
        return new Builder(origin);
    }

    /**
     * A builder for a catch-all zone at the root: every name is in it, so unknown names get NXDOMAIN rather than
     * REFUSED. Handy for scenarios that list a few names inline.
     */
    public static Builder builder() {
        return new Builder(".");
    }

    /** The origin as lower-case text without a trailing dot; {@code ""} for the root. */
    public String origin() {
        return origin;
    }

    /** How many RRsets the zone holds (the SOA included). */
    public int rrsetCount() {
        return nodes.values().stream().mapToInt(Map::size).sum();
    }

    /** Whether {@code key} (lower case, no trailing dot) is the origin or below it. */
    boolean contains(String key) {
        return DnsNames.isAtOrBelow(key, origin);
    }

    /** The RRsets owned by {@code key}, or {@code null} when the name owns none. */
    Map<Integer, RecordSet> node(String key) {
        return nodes.get(key);
    }

    /** Whether {@code key} is an empty non-terminal: it owns nothing but some name below it does (RFC 8020). */
    boolean isEmptyNonTerminal(String key) {
        return nonTerminals.contains(key);
    }

    RecordSet soa() {
        return soa;
    }

    /** RFC 2308 section 5: negative answers live min(SOA TTL, SOA MINIMUM). */
    long negativeTtlSeconds() {
        return negativeTtlSeconds;
    }

    /**
     * The IPv4 then IPv6 addresses the zone holds for {@code name}, following CNAMEs that stay inside the zone (at
     * most 8, so a loop ends); empty when the name is outside the zone or owns no address. For in-process resolvers
     * (a lab resolves its proxies' target names from its zone, so it works offline); no policy is applied.
     */
    public java.util.List<java.net.InetAddress> addresses(String name) {
        String key = DnsNames.key(Objects.requireNonNull(name, "name"));
        for (int hops = 0; hops <= 8 && contains(key); hops++) {
            Map<Integer, RecordSet> owned = nodes.get(key);
            if (owned == null) {
                return java.util.List.of();
            }
            RecordSet cname = owned.get(DnsRecordType.CNAME.intValue());
            if (cname != null && cname.cnameTarget() != null) {
                key = cname.cnameTarget();
                continue;
            }
            java.util.List<java.net.InetAddress> out = new java.util.ArrayList<>(2);
            for (DnsRecordType type : new DnsRecordType[] {DnsRecordType.A, DnsRecordType.AAAA}) {
                RecordSet set = owned.get(type.intValue());
                if (set == null) {
                    continue;
                }
                for (byte[] rdata : set.rdata()) {
                    try {
                        out.add(java.net.InetAddress.getByAddress(rdata));
                    } catch (java.net.UnknownHostException impossible) {
                        // A and AAAA RDATA were checked to be 4 and 16 bytes when the zone was built.
                    }
                }
            }
            return out;
        }
        return java.util.List.of();
    }

    @Override
    public String toString() {
        return "Zone(" + DnsNames.fqdn(origin) + ", " + rrsetCount() + " rrsets)";
    }

    /** Collects records; not thread-safe. Names may be given with or without the trailing dot. */
    public static final class Builder {
        private final String origin;
        private final Map<String, Map<Integer, RecordSet>> nodes = new LinkedHashMap<>();
        private long ttlSeconds = 300;
        private RecordSet soa;
        private long soaMinimum;

        private Builder(String origin) {
            this.origin = DnsNames.key(Objects.requireNonNull(origin, "origin"));
        }

        String origin() {
            return origin;
        }

        /** The TTL of the records added after this call (default 300 s). */
        public Builder ttl(long seconds) {
            if (seconds < 0 || seconds > 0x7fff_ffffL) {
                throw new IllegalArgumentException("TTL must be within 0..2147483647 s, got " + seconds);
            }
            this.ttlSeconds = seconds;
            return this;
        }

        /** An A record; {@code address} must be an IPv4 literal (no name is ever resolved). */
        public Builder a(String name, String address) {
            return record(name, DnsRecordType.A, literal(address, 4));
        }

        /** An AAAA record; {@code address} must be an IPv6 literal. */
        public Builder aaaa(String name, String address) {
            return record(name, DnsRecordType.AAAA, literal(address, 16));
        }

        /** A CNAME; the zone follows it when the target is in the same zone. */
        public Builder cname(String name, String target) {
            String t = DnsNames.key(target);
            add(name, DnsRecordType.CNAME, ttlSeconds, nameWire(t), t);
            return this;
        }

        public Builder ns(String name, String host) {
            return record(name, DnsRecordType.NS, nameWire(DnsNames.key(host)));
        }

        /** A TXT record of one or more character-strings; strings over 255 bytes are split (RFC 1035 3.3.14). */
        public Builder txt(String name, String... strings) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String s : strings) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                int off = 0;
                do {
                    int n = Math.min(255, bytes.length - off);
                    out.write(n);
                    out.write(bytes, off, n);
                    off += n;
                } while (off < bytes.length);
            }
            return record(name, DnsRecordType.TXT, out.toByteArray());
        }

        /**
         * An HTTPS record (RFC 9460) with an optional {@code alpn} SvcParam, e.g.
         * {@code https("web.whatsapp.com", 1, ".", "h2", "h3")}.
         */
        public Builder https(String name, int priority, String target, String... alpn) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(priority >>> 8);
            out.write(priority);
            byte[] t = nameWire(DnsNames.key(target));
            out.write(t, 0, t.length);
            if (alpn.length > 0) {
                ByteArrayOutputStream ids = new ByteArrayOutputStream();
                for (String id : alpn) {
                    byte[] b = id.getBytes(StandardCharsets.US_ASCII);
                    ids.write(b.length);
                    ids.write(b, 0, b.length);
                }
                out.write(0);
                out.write(1); // SvcParamKey alpn
                out.write(ids.size() >>> 8);
                out.write(ids.size());
                out.write(ids.toByteArray(), 0, ids.size());
            }
            return record(name, DnsRecordType.HTTPS, out.toByteArray());
        }

        /** The zone's SOA (RFC 1035 3.3.13), owned by the origin. Without one, {@link #build()} makes a default. */
        public Builder soa(String mname, String rname, long serial, long refresh, long retry, long expire,
                           long minimum) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] m = nameWire(DnsNames.key(mname));
            byte[] r = nameWire(DnsNames.key(rname));
            out.write(m, 0, m.length);
            out.write(r, 0, r.length);
            for (long v : new long[] {serial, refresh, retry, expire, minimum}) {
                out.write((int) (v >>> 24));
                out.write((int) (v >>> 16));
                out.write((int) (v >>> 8));
                out.write((int) v);
            }
            soaMinimum = minimum;
            soa = new RecordSet(DnsRecordType.SOA, ttlSeconds, null);
            soa.add(out.toByteArray());
            nodes.computeIfAbsent(origin, k -> new LinkedHashMap<>()).put(DnsRecordType.SOA.intValue(), soa);
            return this;
        }

        /** Any record from its uncompressed RDATA wire bytes, at the current TTL. */
        public Builder record(String name, DnsRecordType type, byte[] rdata) {
            if (type.equals(DnsRecordType.SOA) || type.equals(DnsRecordType.CNAME)) {
                throw new IllegalArgumentException("use soa(...) or cname(...) for " + type.name());
            }
            add(name, type, ttlSeconds, rdata.clone(), null);
            return this;
        }

        /** Adds a record with an explicit TTL; CNAME targets as keys. Used by {@link ZoneFileLoader}. */
        void add(String name, DnsRecordType type, long ttl, byte[] rdata, String cnameTarget) {
            String key = DnsNames.key(name);
            if (!DnsNames.isAtOrBelow(key, origin)) {
                throw new IllegalArgumentException("'" + DnsNames.display(name) + "' is outside the zone "
                        + DnsNames.display(DnsNames.fqdn(origin)));
            }
            Map<Integer, RecordSet> node = nodes.computeIfAbsent(key, k -> new LinkedHashMap<>());
            boolean isCname = type.equals(DnsRecordType.CNAME);
            if (isCname ? node.keySet().stream().anyMatch(t -> t != DnsRecordType.CNAME.intValue())
                    : node.containsKey(DnsRecordType.CNAME.intValue())) {
                throw new IllegalArgumentException("'" + DnsNames.display(name)
                        + "' cannot have a CNAME and other data (RFC 1034 3.6.2)");
            }
            RecordSet set = node.get(type.intValue());
            if (set == null) {
                set = new RecordSet(type, ttl, cnameTarget);
                node.put(type.intValue(), set);
            } else if (isCname) {
                throw new IllegalArgumentException("'" + DnsNames.display(name) + "' has more than one CNAME");
            }
            set.add(rdata);
        }

        void soaFromWire(long ttl, byte[] rdata, long minimum) {
            soaMinimum = minimum;
            soa = new RecordSet(DnsRecordType.SOA, ttl, null);
            soa.add(rdata);
            nodes.computeIfAbsent(origin, k -> new LinkedHashMap<>()).put(DnsRecordType.SOA.intValue(), soa);
        }

        public Zone build() {
            if (soa == null) {
                long saved = ttlSeconds;
                ttlSeconds = DEFAULT_NEGATIVE_TTL;
                soa("ns.censorsim.invalid", "hostmaster.censorsim.invalid", 1, 3600, 600, 86400,
                        DEFAULT_NEGATIVE_TTL);
                ttlSeconds = saved;
            }
            Map<String, Map<Integer, RecordSet>> copy = new HashMap<>();
            nodes.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
            return new Zone(origin, copy, soa, Math.min(soa.ttlSeconds(), soaMinimum));
        }

        private static byte[] literal(String address, int length) {
            byte[] bytes = address == null || address.indexOf('%') >= 0 ? null
                    : NetUtil.createByteArrayFromIpAddressString(address.strip());
            if (bytes == null || bytes.length != length) {
                throw new IllegalArgumentException("expected an " + (length == 4 ? "IPv4" : "IPv6")
                        + " address literal, got '" + address + "'");
            }
            return bytes;
        }

        /** RFC 1035 3.1: a name as length-prefixed labels ending in the zero-length root label, uncompressed. */
        static byte[] nameWire(String key) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!key.isEmpty()) {
                for (String label : key.split("\\.", -1)) {
                    byte[] b = label.getBytes(StandardCharsets.US_ASCII);
                    if (b.length == 0 || b.length > 63) {
                        throw new IllegalArgumentException("bad label '" + label + "' in '" + key + "'");
                    }
                    out.write(b.length);
                    out.write(b, 0, b.length);
                }
            }
            out.write(0);
            return out.toByteArray();
        }
    }
}
