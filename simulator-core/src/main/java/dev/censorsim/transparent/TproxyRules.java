package dev.censorsim.transparent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The kernel half of interception, shared by {@code run} and {@code gateway}: an nftables table that TPROXYs every
 * TCP and UDP packet arriving on one interface to censorsim's transparent listeners, the {@code ip rule} and
 * {@code local} route that deliver marked packets to them whatever their destination, and the teardown.
 *
 * <p>Fails closed: a TPROXY statement that finds no listener (censorsim killed) ends its rule, and the rules after it
 * reject the packet (TCP reset, ICMP port unreachable). Merely routing it locally would not do: a host process
 * listening on a wildcard address would then take the flows uncensored. A family without a listener is rejected the
 * same way. A forward-hook chain drops anything from or to the interface, so nothing is ever routed around the
 * censor even where the host forwards; IP forwarding is never switched on.
 */
final class TproxyRules {

    private TproxyRules() {
    }

    /**
     * Installs the routes, rules and table of {@code id} for traffic arriving on {@code iface}.
     *
     * @param acceptFirst nft rule bodies matched before interception (e.g. DNS to censorsim's own server), each
     *                    prefixed with the interface match
     * @param tcp6        {@code null} when IPv6 is not intercepted (it is then rejected); likewise {@code udp6}
     */
    static void install(InterceptionId id, String iface, List<String> acceptFirst, InetSocketAddress tcp4,
                        InetSocketAddress udp4, InetSocketAddress tcp6, InetSocketAddress udp6) throws IOException {
        String table = Long.toString(id.mark());
        // A batch line has no -6: a route's family comes from its prefix, but a rule's only from the process's -6
        // ("from ::/0" still makes an IPv4 rule), so the IPv6 rule is a process of its own.
        Commands.ipBatch(List.of(), List.of(
                "route add local 0.0.0.0/0 dev lo table " + table,
                "route add local ::/0 dev lo table " + table,
                "rule add fwmark " + table + " lookup " + table));
        Commands.run("ip", "-6", "rule", "add", "fwmark", table, "lookup", table);
        String mark = "0x" + Long.toHexString(id.mark());
        String link = "iifname \"" + iface + "\" ";
        StringBuilder rules = new StringBuilder("table inet " + id.nftTable() + " {\n"
                + "  chain intercept {\n"
                + "    type filter hook prerouting priority mangle; policy accept;\n");
        for (String rule : acceptFirst) {
            rules.append("    ").append(link).append(rule).append(" accept\n");
        }
        tproxy(rules, link, mark, "ipv4", "tcp", "ip", tcp4);
        tproxy(rules, link, mark, "ipv4", "udp", "ip", udp4);
        tproxy(rules, link, mark, "ipv6", "tcp", "ip6", tcp6);
        tproxy(rules, link, mark, "ipv6", "udp", "ip6", udp6);
        // Reached only when TPROXY found no listener: refuse, never deliver elsewhere.
        rules.append("    ").append(link).append("meta l4proto tcp reject with tcp reset\n")
                .append("    ").append(link).append("meta l4proto udp reject with icmpx port-unreachable\n")
                .append("  }\n")
                .append("  chain noforward {\n")
                .append("    type filter hook forward priority filter; policy accept;\n")
                .append("    iifname \"").append(iface).append("\" drop\n")
                .append("    oifname \"").append(iface).append("\" drop\n")
                .append("  }\n")
                .append("}\n");
        Commands.runWithInput(rules.toString(), "nft", "-f", "-");
    }

    private static void tproxy(StringBuilder rules, String link, String mark, String family, String protocol,
                               String tproxyFamily, InetSocketAddress listener) {
        if (listener == null) {
            return;
        }
        rules.append("    ").append(link).append("meta nfproto ").append(family).append(" meta l4proto ")
                .append(protocol).append(" meta mark set ").append(mark).append(" tproxy ").append(tproxyFamily)
                .append(" to ").append(endpoint(listener)).append(" accept\n");
    }

    /** Removes what {@link #install} made; every step attempted, failures added to {@code errors}. */
    static void remove(InterceptionId id, List<String> errors) {
        quietly(errors, "nft", "delete", "table", "inet", id.nftTable());
        removeIpv6Rule(id, errors);
        Commands.ipBatchForce(removalLines(id), errors);
    }

    /** Removes the IPv6 rule, which no batch line can name (see {@link #install}). */
    static void removeIpv6Rule(InterceptionId id, List<String> errors) {
        String table = Long.toString(id.mark());
        quietly(errors, "ip", "-6", "rule", "del", "fwmark", table, "lookup", table);
    }

    /**
     * The {@code ip -batch} lines that remove {@link #install}'s IPv4 rule and both routes, for a teardown's own
     * batch; the IPv6 rule is {@link #removeIpv6Rule}'s.
     */
    static List<String> removalLines(InterceptionId id) {
        String table = Long.toString(id.mark());
        return List.of(
                "rule del fwmark " + table + " lookup " + table,
                "route del local 0.0.0.0/0 dev lo table " + table,
                "route del local ::/0 dev lo table " + table);
    }

    static void quietly(List<String> errors, String... command) {
        try {
            Commands.Result result = Commands.tryRun(command);
            String err = result.stderr().strip();
            // "Cannot find device" and the like mean a step had nothing to undo (setup failed before it).
            if (!result.ok() && !Commands.nothingToRemove(err)) {
                errors.add(String.join(" ", command) + ": " + err);
            }
        } catch (IOException e) {
            errors.add(e.getMessage());
        }
    }

    static String endpoint(InetSocketAddress address) {
        String host = NamespaceInterception.ip(address.getAddress());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
