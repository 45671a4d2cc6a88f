package dev.censorsim.transparent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Removes what a crashed run left behind: namespaces, veth links, nftables tables, rules, routes and
 * {@code /etc/netns} directories whose names carry an {@link InterceptionId} that is {@linkplain
 * InterceptionId#isStale() stale}. Objects of live runs and objects not named by censorsim are never touched.
 */
final class LeftoverSweep {

    private static final Pattern RULE_TABLE = Pattern.compile("lookup (\\d+)");
    /** {@code ip route show table all} names each route's table unless it is main (local, unreachable, ...). */
    private static final Pattern ROUTE_TABLE = Pattern.compile("\\btable (\\d+)");
    private static final Pattern NFT_TABLE_LINE = Pattern.compile("table inet (\\S+)");
    private static final Pattern LINK_LINE = Pattern.compile("^\\d+: ([^:@ ]+)[@:]", Pattern.MULTILINE);

    private LeftoverSweep() {
    }

    /** Sweeps and returns one line per object removed (for the log). */
    static List<String> sweep(Path etcNetns) throws IOException {
        List<String> removed = new ArrayList<>();
        if (Commands.available("nft")) {
            Matcher tables = NFT_TABLE_LINE.matcher(Commands.tryRun("nft", "list", "tables").stdout());
            while (tables.find()) {
                InterceptionId id = InterceptionId.parse(InterceptionId.NFT_TABLE, tables.group(1));
                if (id != null && id.isStale()
                        && Commands.tryRun("nft", "delete", "table", "inet", tables.group(1)).ok()) {
                    removed.add("nft table inet " + tables.group(1));
                }
            }
        }
        removed.addAll(sweepRoutingTables(List.of("ip")));
        Matcher links = LINK_LINE.matcher(Commands.tryRun("ip", "-o", "link", "show").stdout());
        while (links.find()) {
            InterceptionId id = InterceptionId.parse(InterceptionId.LINK, links.group(1));
            if (id != null && id.isStale() && Commands.tryRun("ip", "link", "del", links.group(1)).ok()) {
                removed.add("link " + links.group(1));
            }
        }
        for (String line : Commands.tryRun("ip", "netns", "list").stdout().split("\n")) {
            String name = line.strip().split(" ")[0];
            InterceptionId id = InterceptionId.parse(InterceptionId.NAMESPACE, name);
            if (id == null || !id.isStale()) {
                continue;
            }
            NamespaceInterception.killProcessesIn(name);
            if (Commands.tryRun("ip", "netns", "del", name).ok()) {
                removed.add("netns " + name);
            }
        }
        if (Files.isDirectory(etcNetns)) {
            try (Stream<Path> dirs = Files.list(etcNetns)) {
                for (Path dir : dirs.toList()) {
                    InterceptionId id = InterceptionId.parse(InterceptionId.NAMESPACE, dir.getFileName().toString());
                    if (id != null && id.isStale()) {
                        deleteTree(dir);
                        removed.add(dir.toString());
                    }
                }
            }
        }
        return removed;
    }

    /**
     * Removes the {@code ip rule}s and routes of stale interceptions, with {@code ip} as the command prefix
     * ({@code ["ip", "-n", NAME]} sweeps a named namespace). A table is found from its rule or from its routes:
     * {@link TproxyRules#install} adds the routes first, so a run that crashed between the two left routes that no
     * rule names, which a sweep reading only the rules never found.
     */
    static List<String> sweepRoutingTables(List<String> ip) throws IOException {
        List<String> removed = new ArrayList<>();
        for (String family : List.of("-4", "-6")) {
            Set<Long> stale = new LinkedHashSet<>();
            Matcher rules = RULE_TABLE.matcher(Commands.tryRun(ip(ip, family, "rule", "show")).stdout());
            while (rules.find()) {
                staleTable(rules.group(1), stale);
            }
            Matcher routes = ROUTE_TABLE.matcher(
                    Commands.tryRun(ip(ip, family, "route", "show", "table", "all")).stdout());
            while (routes.find()) {
                staleTable(routes.group(1), stale);
            }
            String ruleList = Commands.tryRun(ip(ip, family, "rule", "show")).stdout();
            for (long table : stale) {
                String t = Long.toString(table);
                String before = Commands.tryRun(ip(ip, family, "route", "show", "table", t)).stdout();
                if (!ours(before, ruleList, t)) {
                    continue; // a number in our range that another program uses (Mullvad's 0x6d6f6c65): not ours
                }
                // A rule may have been added twice by a run that crashed mid-setup: delete until none is left.
                for (int i = 0; i < 8
                        && Commands.tryRun(ip(ip, family, "rule", "del", "fwmark", t, "lookup", t)).ok(); i++) {
                    removed.add("ip " + family + " rule fwmark " + t + " lookup " + t);
                }
                if (!before.isBlank() && Commands.tryRun(ip(ip, family, "route", "flush", "table", t)).ok()) {
                    removed.add("ip " + family + " routes of table " + t);
                }
            }
        }
        return removed;
    }

    /**
     * Whether table {@code t} looks as {@link TproxyRules#install} leaves it: its routes only {@code local default dev
     * lo} (what {@code local 0.0.0.0/0} and {@code local ::/0} read back as), and every rule that looks it up a plain
     * {@code fwmark t lookup t}. A number in censorsim's range decodes to a pid that is not running for plenty of
     * other programs' tables (Mullvad VPN's 1836018789 is pid 2977644), and those are never touched.
     */
    static boolean ours(String routes, String rules, String t) {
        for (String route : routes.split("\n")) {
            String line = route.strip();
            if (!line.isEmpty() && !line.startsWith("local default dev lo ") && !line.equals("local default dev lo")) {
                return false;
            }
        }
        for (String rule : rules.split("\n")) {
            if (!rule.matches(".*\\blookup " + t + "\\b.*")) {
                continue;
            }
            String body = rule.substring(rule.indexOf(':') + 1).strip();
            if (!body.matches("from all fwmark 0x[0-9a-f]+ lookup " + t)
                    || Long.decode(body.split(" ")[3]) != Long.parseLong(t)) {
                return false;
            }
        }
        return true;
    }

    private static void staleTable(String number, Set<Long> stale) {
        long table;
        try {
            table = Long.parseLong(number);
        } catch (NumberFormatException e) {
            return;
        }
        InterceptionId id = InterceptionId.fromTable(table);
        if (id != null && id.isStale()) {
            stale.add(table);
        }
    }

    private static String[] ip(List<String> prefix, String... rest) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(rest));
        return command.toArray(String[]::new);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
