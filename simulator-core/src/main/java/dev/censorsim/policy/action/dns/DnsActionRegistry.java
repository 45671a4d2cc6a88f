package dev.censorsim.policy.action.dns;

import dev.censorsim.units.Durations;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The DNS action types a policy file may name, by their stable {@code type:} name, each with the parser of its
 * {@code action:} mapping. A rule whose action type is listed here is a DNS rule.
 */
public final class DnsActionRegistry {

    private interface Parser {
        DnsAction parse(PolicyNode action) throws PolicyException;
    }

    private static final Map<String, Parser> PARSERS = new LinkedHashMap<>();

    static {
        PARSERS.put(NxdomainAction.TYPE, a -> bare(a, new NxdomainAction()));
        PARSERS.put(NodataAction.TYPE, a -> bare(a, new NodataAction()));
        PARSERS.put(ServfailAction.TYPE, a -> bare(a, new ServfailAction()));
        PARSERS.put(RefusedAction.TYPE, a -> bare(a, new RefusedAction()));
        PARSERS.put(TimeoutAction.TYPE, a -> bare(a, new TimeoutAction()));
        PARSERS.put(SinkholeAction.TYPE, DnsActionRegistry::parseSinkhole);
        PARSERS.put(StripAction.TYPE, DnsActionRegistry::parseStrip);
        PARSERS.put(TtlAction.TYPE, DnsActionRegistry::parseTtl);
    }

    private DnsActionRegistry() {
    }

    /** The registered DNS type names, in documentation order. */
    public static List<String> types() {
        return List.copyOf(PARSERS.keySet());
    }

    /** Whether {@code type} names a DNS action (and so makes its rule a DNS rule). */
    public static boolean isDnsType(String type) {
        return PARSERS.containsKey(type);
    }

    /**
     * Parses an {@code action:} mapping whose {@code type} is a DNS type.
     *
     * @throws PolicyException located at the offending node
     */
    public static DnsAction parse(PolicyNode action) throws PolicyException {
        action.requireMap("'action'");
        PolicyNode typeNode = action.required("type", "'action'");
        String type = typeNode.text("'type'");
        Parser parser = PARSERS.get(type);
        if (parser == null) {
            throw typeNode.error("unknown DNS action type '" + type + "'; expected one of "
                    + String.join(", ", PARSERS.keySet()));
        }
        return parser.parse(action);
    }

    /**
     * Parses a record type name such as {@code A}, {@code AAAA}, {@code HTTPS} (case-insensitive) or
     * {@code TYPE65}, as a policy file writes it.
     *
     * @return the RR type number
     */
    public static int recordType(PolicyNode node, String what) throws PolicyException {
        String text = node.text(what).strip().toUpperCase(Locale.ROOT);
        if (text.startsWith("TYPE") && text.length() > 4 && text.substring(4).chars().allMatch(Character::isDigit)
                && text.length() <= 9) {
            int n = Integer.parseInt(text.substring(4));
            if (n >= 1 && n <= 0xffff) {
                return n;
            }
        }
        try {
            return DnsRecordType.valueOf(text).intValue();
        } catch (IllegalArgumentException e) {
            throw node.error("unknown record type '" + node.rawText() + "'; expected a name such as A, AAAA, CNAME, "
                    + "TXT, HTTPS, SVCB, NS, SOA, MX or TYPEnnn");
        }
    }

    private static DnsAction bare(PolicyNode action, DnsAction result) throws PolicyException {
        action.checkKeys("a " + result.type() + " action", List.of("type"));
        return result;
    }

    private static DnsAction parseSinkhole(PolicyNode action) throws PolicyException {
        action.checkKeys("a sinkhole action", List.of("type", "ipv4", "ipv6", "ttl"));
        byte[] v4 = address(action.get("ipv4"), "'ipv4'", 4);
        byte[] v6 = address(action.get("ipv6"), "'ipv6'", 16);
        if (v4 == null && v6 == null) {
            throw action.error("expected 'ipv4' (e.g. 127.0.0.1) and/or 'ipv6' (e.g. ::1) in a sinkhole action");
        }
        PolicyNode ttlNode = action.get("ttl");
        return new SinkholeAction(v4, v6, ttlNode == null ? 60 : ttl(ttlNode));
    }

    private static DnsAction parseStrip(PolicyNode action) throws PolicyException {
        action.checkKeys("a strip action", List.of("type", "types"));
        List<Integer> types = new ArrayList<>();
        for (PolicyNode entry : action.required("types", "a strip action").entries("'types'")) {
            types.add(recordType(entry, "an entry of 'types'"));
        }
        return new StripAction(types.stream().mapToInt(Integer::intValue).toArray());
    }

    private static DnsAction parseTtl(PolicyNode action) throws PolicyException {
        action.checkKeys("a ttl action", List.of("type", "ttl"));
        return new TtlAction(ttl(action.required("ttl", "a ttl action")));
    }

    /** A TTL as whole seconds ({@code 300}) or a duration with a unit ({@code 5m}, {@code 0s}). */
    private static long ttl(PolicyNode node) throws PolicyException {
        long seconds;
        if (node.kind() == PolicyNode.Kind.INT) {
            try {
                seconds = Long.parseLong(node.rawText());
            } catch (NumberFormatException e) {
                throw node.error("expected a TTL in seconds, got " + node.rawText());
            }
        } else {
            try {
                long nanos = Durations.parseNanos(node.text("'ttl'"));
                if (nanos % TimeUnit.SECONDS.toNanos(1) != 0) {
                    throw node.error("a TTL is whole seconds, got " + node.rawText());
                }
                seconds = TimeUnit.NANOSECONDS.toSeconds(nanos);
            } catch (IllegalArgumentException e) {
                throw node.error(e.getMessage());
            }
        }
        if (seconds < 0 || seconds > TtlAction.MAX_TTL_SECONDS) {
            throw node.error("a TTL must be within 0.." + TtlAction.MAX_TTL_SECONDS + " seconds, got " + seconds);
        }
        return seconds;
    }

    private static byte[] address(PolicyNode node, String what, int length) throws PolicyException {
        if (node == null) {
            return null;
        }
        String text = node.text(what).strip();
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null || bytes.length != length || text.indexOf('%') >= 0) {
            throw node.error("expected an " + (length == 4 ? "IPv4" : "IPv6") + " address literal for " + what
                    + ", got '" + text + "'");
        }
        return bytes;
    }
}
