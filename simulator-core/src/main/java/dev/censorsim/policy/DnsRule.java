package dev.censorsim.policy;

import dev.censorsim.policy.action.dns.DnsAction;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * One DNS rule of a {@link CompiledPolicy}: {@code match: { qname, qtype, cidr }} and a {@link DnsAction}. Every given
 * key must hold; {@code qname} uses the same label-boundary matcher as {@code sni}, and {@code cidr} tests the
 * <em>client</em> address (the resolver sees who asks, not where the answer points).
 */
public final class DnsRule {

    private final String name;
    private final NameMatcher qname;
    private final int[] qtypes;
    private final Cidr[] clientCidrs;
    private final DnsAction action;
    private final LongAdder queries = new LongAdder();

    DnsRule(String name, NameMatcher qname, int[] qtypes, Cidr[] clientCidrs, DnsAction action) {
        this.name = Objects.requireNonNull(name, "name");
        this.qname = qname;
        this.qtypes = qtypes;
        this.clientCidrs = clientCidrs;
        this.action = Objects.requireNonNull(action, "action");
    }

    /** The rule's {@code name:} from the policy file; unique within the policy. */
    public String name() {
        return name;
    }

    public DnsAction action() {
        return action;
    }

    /** Queries this rule answered (it was the first to match them). */
    public long queries() {
        return queries.sum();
    }

    void queryHit() {
        queries.increment();
    }

    /**
     * Whether the rule holds for a query. {@code qname} may carry a trailing dot; {@code client} may be {@code null}
     * (then a {@code cidr} key never holds).
     */
    boolean matches(CharSequence queryName, int queryType, InetAddress client) {
        if (qtypes != null && !containsType(queryType)) {
            return false;
        }
        if (clientCidrs != null && !inAnyCidr(client)) {
            return false;
        }
        return qname == null || qname.matches(queryName);
    }

    private boolean containsType(int type) {
        for (int t : qtypes) {
            if (t == type) {
                return true;
            }
        }
        return false;
    }

    private boolean inAnyCidr(InetAddress client) {
        if (client == null) {
            return false;
        }
        byte[] bytes = client.getAddress();
        for (Cidr cidr : clientCidrs) {
            if (cidr.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + " -> " + action.describe() + (qtypes == null ? "" : " " + Arrays.toString(qtypes));
    }
}
