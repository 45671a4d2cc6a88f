package dev.censorsim.capture;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.UdpFlowFacts;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The packet face's last stage, verdicts: the policy (the same {@link CompiledPolicy} the proxy uses) evaluated once
 * per decided flow on the same {@link FlowFacts} the proxy would build, so the verdict per flow is what the proxy
 * would apply. A DNS flow gets the policy's DNS rule for its question (name, type, client address) first, as
 * censorsim's DNS server would answer it; only when none matches do the UDP rules apply, as in the relay. Keeps the
 * rule each flow matched and the per-rule counters.
 *
 * <p>Facts come in as plain values (addresses, protocol, names), so this stage knows nothing of headers or
 * recognisers. Per flow it allocates the facts record and its addresses, only when the policy has rules; nothing per
 * packet. Single-threaded.
 */
final class PacketVerdicts {

    /** {@link #matchedRule}: no rule; otherwise an index into {@link #rules}, then {@link #dnsRules} after them. */
    private static final int NO_RULE = -1;

    private final CompiledPolicy policy;
    private final CompiledRule[] rules;
    private final DnsRule[] dnsRules;
    private final boolean hasUdpRules;
    /** The rule each decided flow matched ({@link #NO_RULE} for a pass): a rule index, DNS rules after the others. */
    private final int[] matchedRule;
    private final long[] flowsByRule;
    private final long[] packetsByRule;
    private final long[] bytesByRule;

    PacketVerdicts(CompiledPolicy policy, int maxFlows) {
        this.policy = policy;
        this.rules = policy.rules().toArray(new CompiledRule[0]);
        this.dnsRules = policy.dnsRules().toArray(new DnsRule[0]);
        this.hasUdpRules = policy.hasUdpRules();
        this.matchedRule = new int[maxFlows];
        this.flowsByRule = new long[rules.length + dnsRules.length];
        this.packetsByRule = new long[rules.length + dnsRules.length];
        this.bytesByRule = new long[rules.length + dnsRules.length];
    }

    /** Whether any rule could match: without one, flows are never evaluated (and nothing is allocated). */
    boolean active() {
        return rules.length > 0 || dnsRules.length > 0;
    }

    /** Forgets the verdict of the flow that held {@code id} before. */
    void startFlow(int id) {
        matchedRule[id] = NO_RULE;
    }

    /**
     * Evaluates the policy for a flow just decided, with exactly the facts the proxy (or the DNS server, for a DNS
     * flow) builds, so a rule matches here iff it matches there.
     *
     * @param client             the flow's client end
     * @param server             the flow's server end
     * @param udp                whether the flow is UDP (only UDP rules apply, as in the relay)
     * @param decided            its protocol
     * @param sni                the TLS or QUIC server name, or {@code null}
     * @param host               the HTTP Host, or {@code null}
     * @param ech                whether its ClientHello offered Encrypted Client Hello
     * @param firstDatagramBytes payload bytes of the first client datagram ({@code min-size}, the 2022 QUIC rule)
     * @param queryName          a DNS flow's question name, or {@code null}
     * @param queryType          a DNS flow's question type
     */
    void evaluate(int id, InetSocketAddress client, InetSocketAddress server, boolean udp, Protocol decided,
                  String sni, String host, boolean ech, int firstDatagramBytes, String queryName, int queryType) {
        if (decided == Protocol.DNS && dnsRules.length > 0 && queryName != null) {
            int dnsRule = dnsRuleIndex(policy.evaluateDns(queryName, queryType, client.getAddress()));
            if (dnsRule != NO_RULE) {
                matchedRule[id] = dnsRule;
                return;
            }
        }
        if (rules.length == 0 || (udp && !hasUdpRules)) {
            matchedRule[id] = NO_RULE;
        } else if (udp) {
            // As the UDP relay does: UDP rules only, with the first client datagram's size; the names a UDP flow can
            // be tied to are its own (a QUIC Initial's SNI), since a trace has no proxy that saw the TLS signalling.
            matchedRule[id] = ruleIndex(policy.evaluateUdp(new UdpFlowFacts(client, server, decided,
                    firstDatagramBytes, sni == null ? List.of() : List.of(sni))));
        } else {
            StreamClassification classification = new StreamClassification(decided, sni, host, List.of(), ech,
                    false);
            matchedRule[id] = ruleIndex(policy.evaluate(new FlowFacts(client, server, null, classification)).rule());
        }
    }

    /** Adds an ended flow's packets and bytes to the counters of the rule it matched. */
    void flowEnded(int id, long packets, long bytes) {
        int rule = matchedRule[id];
        if (rule != NO_RULE) {
            flowsByRule[rule]++;
            packetsByRule[rule] += packets;
            bytesByRule[rule] += bytes;
        }
    }

    /** The name of the rule flow {@code id} matched, or {@code null} for none. */
    String ruleName(int id) {
        int rule = matchedRule[id];
        return rule == NO_RULE ? null : rule < rules.length ? rules[rule].name() : dnsRules[rule - rules.length].name();
    }

    /** The action of the rule flow {@code id} matched, described, or {@code null} for none. */
    String action(int id) {
        int rule = matchedRule[id];
        return rule == NO_RULE ? null
                : rule < rules.length ? rules[rule].describe() : dnsRules[rule - rules.length].action().describe();
    }

    List<CompiledRule> rules() {
        return List.of(rules);
    }

    List<DnsRule> dnsRules() {
        return List.of(dnsRules);
    }

    /** Zeroes the per-rule counters ({@link PacketClassifier#reset()}). */
    void resetCounters() {
        java.util.Arrays.fill(flowsByRule, 0);
        java.util.Arrays.fill(packetsByRule, 0);
        java.util.Arrays.fill(bytesByRule, 0);
    }

    long flowsByRule(int index) {
        return flowsByRule[index];
    }

    long packetsByRule(int index) {
        return packetsByRule[index];
    }

    long bytesByRule(int index) {
        return bytesByRule[index];
    }

    long flowsByDnsRule(int index) {
        return flowsByRule[rules.length + index];
    }

    long packetsByDnsRule(int index) {
        return packetsByRule[rules.length + index];
    }

    long bytesByDnsRule(int index) {
        return bytesByRule[rules.length + index];
    }

    private int ruleIndex(CompiledRule rule) {
        if (rule != null) {
            for (int i = 0; i < rules.length; i++) {
                if (rules[i] == rule) {
                    return i;
                }
            }
        }
        return NO_RULE;
    }

    private int dnsRuleIndex(DnsRule rule) {
        if (rule != null) {
            for (int i = 0; i < dnsRules.length; i++) {
                if (dnsRules[i] == rule) {
                    return rules.length + i;
                }
            }
        }
        return NO_RULE;
    }
}
