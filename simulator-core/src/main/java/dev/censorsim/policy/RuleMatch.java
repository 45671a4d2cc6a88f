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

    static final RuleMatch ANY = new RuleMatch(null, null, null, null, null, null, null, null, null, null, 0);

    /** What a TCP flow can be classified as; any other protocol key entry is UDP only. */
    static final EnumSet<Protocol> TCP_PROTOCOLS = EnumSet.of(Protocol.TLS, Protocol.HTTP, Protocol.OPENVPN,
            Protocol.FULLY_ENCRYPTED, Protocol.WHATSAPP, Protocol.MTPROTO, Protocol.UNKNOWN);
    /** What a UDP flow can be classified as. */
    static final EnumSet<Protocol> UDP_PROTOCOLS = EnumSet.of(Protocol.QUIC, Protocol.STUN, Protocol.RTP,
            Protocol.RTCP, Protocol.DTLS, Protocol.DNS, Protocol.WIREGUARD, Protocol.OPENVPN, Protocol.IKEV2,
            Protocol.ESP, Protocol.L2TP, Protocol.UNKNOWN);

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
    /**
     * {@code probability}: the share of otherwise matching flows the rule takes, or null for all of them. The Great
     * Firewall blocked about 26% of fully-encrypted connections (Wu et al. 2023, §4.2).
     */
    private final Double probability;
    private final long seed;

    RuleMatch(NameMatcher sni, NameMatcher host, NameMatcher target, NameMatcher domain, PortSet ports, Cidr[] cidrs,
              EnumSet<Protocol> protocols, Boolean ech) {
        this(sni, host, target, domain, ports, cidrs, protocols, ech, null);
    }

    RuleMatch(NameMatcher sni, NameMatcher host, NameMatcher target, NameMatcher domain, PortSet ports, Cidr[] cidrs,
              EnumSet<Protocol> protocols, Boolean ech, Integer minSize) {
        this(sni, host, target, domain, ports, cidrs, protocols, ech, minSize, null, 0);
    }

    RuleMatch(NameMatcher sni, NameMatcher host, NameMatcher target, NameMatcher domain, PortSet ports, Cidr[] cidrs,
              EnumSet<Protocol> protocols, Boolean ech, Integer minSize, Double probability, long seed) {
        this.probability = probability;
        this.seed = seed;
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
        return (domain == null
                || domain.matches(c.sni()) || domain.matches(c.httpHost()) || domain.matches(facts.target()))
                && drawn(facts.client(), facts.server());
    }

    /**
     * The {@code probability} draw for one flow: a hash of the seed and the flow's addresses and ports, so the same
     * flow gets the same answer on every evaluation (a policy swap, a UDP flow's protocol becoming clearer) and in
     * both faces (a capture replays the proxy's decisions), and a different seed picks different flows.
     */
    private boolean drawn(java.net.InetSocketAddress client, java.net.InetSocketAddress server) {
        if (probability == null) {
            return true;
        }
        long h = seed;
        h = mix(h + (client.getAddress() == null ? 0 : client.getAddress().hashCode()));
        h = mix(h + client.getPort());
        h = mix(h + (server.getAddress() == null ? 0 : server.getAddress().hashCode()));
        h = mix(h + server.getPort());
        return (h >>> 11) * 0x1.0p-53 < probability;
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014). */
    private static long mix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
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
        return (sni == null || anyName(sni, facts)) && (domain == null || anyName(domain, facts))
                && drawn(facts.client(), facts.server());
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
