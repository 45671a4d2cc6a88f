package dev.censorsim.policy;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.StreamClassification;

import java.net.InetAddress;
import java.util.EnumSet;

/**
 * The compiled {@code match:} of one rule: every given key must hold (AND); within a key, any entry may (OR). A key
 * that was not given is {@code null} here and holds for every flow. Evaluated once per flow; the cheap numeric tests
 * run before the name tests, and the only allocation is the copy of the address bytes that {@code cidr} needs.
 */
final class RuleMatch {

    static final RuleMatch ANY = new RuleMatch(null, null, null, null, null, null, null, null, null);

    /** What a TCP flow can be classified as; any other protocol key entry is UDP only. */
    static final EnumSet<Protocol> TCP_PROTOCOLS = EnumSet.of(Protocol.TLS, Protocol.HTTP, Protocol.WHATSAPP,
            Protocol.MTPROTO, Protocol.UNKNOWN);
    /** What a UDP flow can be classified as. */
    static final EnumSet<Protocol> UDP_PROTOCOLS = EnumSet.of(Protocol.QUIC, Protocol.STUN, Protocol.RTP,
            Protocol.RTCP, Protocol.DTLS, Protocol.DNS, Protocol.UNKNOWN);

    private final NameMatcher sni;
    private final NameMatcher host;
    private final NameMatcher target;
    private final NameMatcher domain;
    private final PortSet ports;
    private final Cidr[] cidrs;
    private final EnumSet<Protocol> protocols;
    private final Boolean ech;
    /** {@code min-size}: UDP only, the first client datagram's payload size must be at least this; null when absent. */
    private final Integer minSize;

    RuleMatch(NameMatcher sni, NameMatcher host, NameMatcher target, NameMatcher domain, PortSet ports, Cidr[] cidrs,
              EnumSet<Protocol> protocols, Boolean ech) {
        this(sni, host, target, domain, ports, cidrs, protocols, ech, null);
    }

    RuleMatch(NameMatcher sni, NameMatcher host, NameMatcher target, NameMatcher domain, PortSet ports, Cidr[] cidrs,
              EnumSet<Protocol> protocols, Boolean ech, Integer minSize) {
        this.minSize = minSize;
        this.sni = sni;
        this.host = host;
        this.target = target;
        this.domain = domain;
        this.ports = ports;
        this.cidrs = cidrs;
        this.protocols = protocols;
        this.ech = ech;
    }

    /** Whether the rule can only decide after the classifier has seen the flow's first bytes. */
    boolean needsContent() {
        return sni != null || host != null || domain != null || protocols != null || ech != null;
    }

    NameMatcher sni() {
        return sni;
    }

    NameMatcher host() {
        return host;
    }

    NameMatcher target() {
        return target;
    }

    NameMatcher domain() {
        return domain;
    }

    boolean matches(FlowFacts facts) {
        if (minSize != null) {
            return false;
        }
        StreamClassification c = facts.classification();
        if (ports != null && !ports.contains(facts.server().getPort())) {
            return false;
        }
        if (cidrs != null && !inAnyCidr(facts.server().getAddress())) {
            return false;
        }
        if (protocols != null && !protocols.contains(c.protocol())) {
            return false;
        }
        if (ech != null && ech != c.ech()) {
            return false;
        }
        if (sni != null && !sni.matches(c.sni())) {
            return false;
        }
        if (host != null && !host.matches(c.httpHost())) {
            return false;
        }
        if (target != null && !target.matches(facts.target())) {
            return false;
        }
        return domain == null
                || domain.matches(c.sni()) || domain.matches(c.httpHost()) || domain.matches(facts.target());
    }

    /**
     * The UDP reading of the match: {@code port} and {@code cidr} test the destination, {@code protocol} what the
     * datagrams were recognised as, {@code min-size} the first client datagram, and {@code sni}/{@code domain} the
     * names the client's signalling recently used. {@code host}, {@code target} and {@code ech} never hold on UDP.
     */
    boolean matchesUdp(UdpFlowFacts facts) {
        if (host != null || target != null || ech != null) {
            return false;
        }
        if (ports != null && !ports.contains(facts.server().getPort())) {
            return false;
        }
        if (cidrs != null && !inAnyCidr(facts.server().getAddress())) {
            return false;
        }
        if (protocols != null && !protocols.contains(facts.protocol())) {
            return false;
        }
        if (minSize != null && facts.firstDatagramLength() < minSize) {
            return false;
        }
        return (sni == null || anyName(sni, facts)) && (domain == null || anyName(domain, facts));
    }

    private static boolean anyName(NameMatcher matcher, UdpFlowFacts facts) {
        for (String name : facts.names()) {
            if (matcher.matches(name)) {
                return true;
            }
        }
        return false;
    }

    private boolean inAnyCidr(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] bytes = address.getAddress();
        for (Cidr cidr : cidrs) {
            if (cidr.contains(bytes)) {
                return true;
            }
        }
        return false;
    }
}
