package dev.censorsim.policy;

import dev.censorsim.units.DataRate;
import dev.censorsim.classify.InspectionSettings;

import java.net.InetAddress;
import java.util.List;

/**
 * A policy file compiled once into an immutable, thread-safe rule set. The proxy evaluates each flow once, when it is
 * classified; a scenario phase change swaps the whole object through {@link PolicyHolder}, so the data plane never
 * sees a half-built rule set. Mutable state is limited to the token buckets and counters, which are thread-safe.
 */
public final class CompiledPolicy {

    private static final CompiledPolicy EMPTY =
            new CompiledPolicy(List.of(), 0, InspectionSettings.DEFAULT);

    private final CompiledRule[] rules;
    private final List<CompiledRule> ruleList;
    private final long linkRateBytesPerSecond;
    private final TokenBucket linkUp;
    private final TokenBucket linkDown;
    private final InspectionSettings inspection;
    private final boolean needsContent;
    private final DnsRule[] dnsRules;
    private final List<DnsRule> dnsRuleList;
    /** {@code modules:} beside the implicit module of the top-level rules; empty for a single-module policy. */
    private final List<DpiModule> modules;
    /** {@code inside:}; empty means every client of the proxy is inside. */
    private final Cidr[] inside;

    CompiledPolicy(List<CompiledRule> rules, long linkRateBytesPerSecond, InspectionSettings inspection) {
        this(rules, List.of(), linkRateBytesPerSecond, inspection);
    }

    CompiledPolicy(List<CompiledRule> rules, List<DnsRule> dnsRules, long linkRateBytesPerSecond,
                   InspectionSettings inspection) {
        this(rules, dnsRules, linkRateBytesPerSecond, inspection, new Cidr[0]);
    }

    CompiledPolicy(List<CompiledRule> rules, List<DnsRule> dnsRules, long linkRateBytesPerSecond,
                   InspectionSettings inspection, Cidr[] inside) {
        this(rules, dnsRules, linkRateBytesPerSecond, inspection, inside, List.of());
    }

    CompiledPolicy(List<CompiledRule> rules, List<DnsRule> dnsRules, long linkRateBytesPerSecond,
                   InspectionSettings inspection, Cidr[] inside, List<DpiModule> modules) {
        this.inside = inside.clone();
        this.modules = List.copyOf(modules);
        this.dnsRuleList = List.copyOf(dnsRules);
        this.dnsRules = dnsRuleList.toArray(new DnsRule[0]);
        this.ruleList = List.copyOf(rules);
        this.rules = ruleList.toArray(new CompiledRule[0]);
        this.linkRateBytesPerSecond = linkRateBytesPerSecond;
        this.linkUp = linkRateBytesPerSecond > 0 ? TokenBucket.forRate(linkRateBytesPerSecond) : null;
        this.linkDown = linkRateBytesPerSecond > 0 ? TokenBucket.forRate(linkRateBytesPerSecond) : null;
        this.inspection = inspection;
        this.needsContent = ruleList.stream().anyMatch(r -> r.match().needsContent())
                || this.modules.stream().anyMatch(DpiModule::needsContent);
    }

    /**
     * Whether {@code address} is on the inside of the box ({@code inside:} CIDRs; every address when the policy names
     * none, so the proxy's clients are inside by default). The TSPU inspected only flows initiated from inside.
     */
    public boolean isInside(InetAddress address) {
        final Cidr[] inside = this.inside;
        if (inside.length == 0) {
            return true;
        }
        for (Cidr cidr : inside) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The policy's {@code modules:}, in file order; the top-level rules are not among them (they are the implicit
     * module {@link #evaluate} runs). Empty for a single-module policy.
     */
    public List<DpiModule> modules() {
        return modules;
    }

    /** No rules, no link, default inspection: every flow passes untouched. */
    public static CompiledPolicy empty() {
        return EMPTY;
    }

    /**
     * One rule, {@code ruleName}, that gives every TCP flow {@code action} at connect time, with no link and default
     * inspection: what a list of Toxiproxy toxics on one port-forward compiles to.
     */
    public static CompiledPolicy ofAction(String ruleName, TcpAction action) {
        return new CompiledPolicy(List.of(new CompiledRule(ruleName, RuleMatch.ANY, action)), 0,
                InspectionSettings.DEFAULT);
    }

    /**
     * The verdict of the first rule, in file order, whose match holds for {@code facts}; {@link Verdict#PASS} when
     * none does. Counts the flow on the winning rule's {@link RuleCounters}, so call it once per flow (and once more
     * per re-evaluation after a swap, which counts on the new policy's rules). Does not allocate.
     */
    public Verdict evaluate(FlowFacts facts) {
        for (CompiledRule rule : rules) {
            // UDP-only rules (drop, drop-after, loss) are invisible to TCP flows.
            if (rule.action() != null && rule.match().matches(facts)) {
                rule.counters().flowHit();
                return rule.verdict();
            }
        }
        return Verdict.PASS;
    }

    /**
     * The first rule, in file order, with a UDP action whose match holds for {@code facts}; {@code null} when none
     * does (the flow passes). TCP-only rules (reset, blackhole, freeze) are skipped. Does not count: the UDP relay
     * evaluates a flow again as its protocol becomes clearer and counts a hit when the winning rule changes.
     */
    public CompiledRule evaluateUdp(UdpFlowFacts facts) {
        for (CompiledRule rule : rules) {
            if (rule.udpAction() != null && rule.match().matchesUdp(facts)) {
                return rule;
            }
        }
        return null;
    }

    /**
     * The first DNS rule, in file order, that holds for a query, or {@code null} when none does (answer as the zone
     * says). Counts the query on the winning rule. Does not allocate.
     *
     * @param client the asking client's address, for {@code cidr}; may be {@code null}
     */
    public DnsRule evaluateDns(CharSequence qname, int qtype, InetAddress client) {
        for (DnsRule rule : dnsRules) {
            if (rule.matches(qname, qtype, client)) {
                rule.queryHit();
                return rule;
            }
        }
        return null;
    }

    /** True when some rule applies to UDP flows, so the UDP relay must classify and evaluate them. */
    public boolean hasUdpRules() {
        for (CompiledRule rule : rules) {
            if (rule.udpAction() != null) {
                return true;
            }
        }
        return false;
    }

    /** The DNS rules in file order; the TCP rules ({@link #rules()}) never include them. */
    public List<DnsRule> dnsRules() {
        return dnsRuleList;
    }

    /** The TCP rules in file order (DNS rules are in {@link #dnsRules()}). */
    public List<CompiledRule> rules() {
        return ruleList;
    }

    /** The top-level rules, then each module's, in file order: every rule whose counters a report shows. */
    public List<CompiledRule> allRules() {
        if (modules.isEmpty()) {
            return ruleList;
        }
        List<CompiledRule> all = new java.util.ArrayList<>(ruleList);
        modules.forEach(m -> all.addAll(m.rules()));
        return List.copyOf(all);
    }

    /** The shared client-to-server link bucket, or {@code null} when the policy has no {@code link}. */
    public TokenBucket linkUp() {
        return linkUp;
    }

    /** The shared server-to-client link bucket, or {@code null} when the policy has no {@code link}. */
    public TokenBucket linkDown() {
        return linkDown;
    }

    /** {@code link.rate} in bytes per second, 0 when the policy has no link. */
    public long linkRateBytesPerSecond() {
        return linkRateBytesPerSecond;
    }

    /** How deep the classifier inspects: the policy's {@code dpi} block, or the defaults. */
    public InspectionSettings inspection() {
        return inspection;
    }

    /** True when some rule needs the flow's content (sni/host/domain/protocol/ech), so the proxy must wait for the classifier. */
    public boolean needsContent() {
        return needsContent;
    }

    @Override
    public String toString() {
        return "CompiledPolicy" + ruleList + (dnsRuleList.isEmpty() ? "" : " dns " + dnsRuleList) + (linkRateBytesPerSecond > 0
                ? " link " + DataRate.format(linkRateBytesPerSecond) : "");
    }
}
