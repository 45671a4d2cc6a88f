package dev.censorsim.cli;

import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.dns.Zone;
import dev.censorsim.dns.ZoneException;
import dev.censorsim.dns.ZoneFileLoader;
import dev.censorsim.policy.Cidr;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.policy.PolicyHolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code censorsim dns}: the DNS server with record surgery, on UDP and TCP. */
@Command(name = "dns",
        header = "Serve DNS zones over UDP and TCP, editing answers by the policy's DNS rules (nxdomain, strip, ...).",
        description = "Runs until SIGINT/SIGTERM, then prints the DNS rule counters. Names outside every zone are "
                + "REFUSED unless --upstream is given.",
        mixinStandardHelpOptions = true)
final class DnsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:5353",
            converter = HostPortConverter.class,
            description = "UDP and TCP address to serve on (default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "--zone", paramLabel = "FILE", required = true,
            description = "RFC 1035 master file to serve; its SOA owner is the origin. Repeatable.")
    List<Path> zoneFiles = new ArrayList<>();

    @Mixin
    PolicyOption policy;

    @Option(names = "--upstream", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Forward names outside every zone to this server, and only to it. Off by default.")
    InetSocketAddress upstream;

    @Option(names = "--allow-client", paramLabel = "CIDR", arity = "1..*",
            description = "Answer only clients in these networks (others get REFUSED). Required with --upstream when "
                    + "listening on a non-loopback address, so that no open resolver is started by accident.")
    List<String> allowClients = new ArrayList<>();

    @Option(names = "--rate-limit", paramLabel = "N",
            description = "At most N UDP responses a second per client /24 (IPv4) or /56 (IPv6); off by default.")
    Integer rateLimit;

    @Option(names = "--rate-limit-action", paramLabel = "ACTION", defaultValue = "truncate",
            description = "Over the rate: truncate (an empty answer with TC=1, so real clients retry over TCP) or "
                    + "drop (default: ${DEFAULT-VALUE}).")
    String rateLimitAction;

    @Option(names = "--rate-limit-loopback",
            description = "Apply --rate-limit to loopback clients too (exempt by default).")
    boolean rateLimitLoopback;

    @Option(names = "--log-queries", description = "Print one line per query.")
    boolean logQueries;

    @Option(names = "--max-udp-payload", paramLabel = "BYTES", defaultValue = "1232",
            description = "Largest UDP answer with EDNS (default: ${DEFAULT-VALUE}); larger ones are truncated (TC).")
    int maxUdpPayload;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Zone> zones = new ArrayList<>();
        for (Path file : zoneFiles) {
            try {
                zones.add(ZoneFileLoader.load(file));
            } catch (ZoneException e) {
                throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
            }
        }
        CompiledPolicy compiled = policy.load();
        DnsServerOptions.Builder options = DnsServerOptions.builder().listen(listen)
                .policy(new PolicyHolder(compiled)).upstream(upstream);
        for (String cidr : allowClients) {
            try {
                options.allowClient(Cidr.parse(cidr));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCodes.BAD_INPUT, "--allow-client: " + e.getMessage());
            }
        }
        if (!rateLimitAction.equals("truncate") && !rateLimitAction.equals("drop")) {
            throw new CliException(ExitCodes.BAD_INPUT, "--rate-limit-action must be truncate or drop, got '"
                    + rateLimitAction + "'");
        }
        if (rateLimit != null) {
            try {
                options.rateLimit(new DnsServerOptions.RateLimit(rateLimit, rateLimitAction.equals("drop"),
                        rateLimitLoopback));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCodes.BAD_INPUT, "--rate-limit: " + e.getMessage());
            }
        }
        zones.forEach(options::zone);
        if (logQueries) {
            options.queryListener(event -> {
                synchronized (out) {
                    out.println(event.toLogLine());
                    out.flush();
                }
            });
        }
        DnsServerOptions built;
        try {
            built = options.maxUdpPayload(maxUdpPayload).build();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        DnsServer server;
        try {
            server = DnsServer.start(built);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        } catch (RuntimeException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, e.getMessage(), e);
        }
        out.println("censorsim dns: serving " + zones + " on udp+tcp " + HostPortConverter.format(server.udpAddress())
                + ", policy " + policy.describe() + " (" + compiled.dnsRules().size() + " DNS rules), upstream "
                + (upstream == null ? "none" : HostPortConverter.format(upstream)));
        return UntilSignal.await(server, () -> printCounters(compiled, out), out);
    }

    private static void printCounters(CompiledPolicy policy, PrintWriter out) {
        if (policy.dnsRules().isEmpty()) {
            return;
        }
        out.println("censorsim: DNS rule counters");
        out.printf("  %-24s %8s  %s%n", "rule", "queries", "action");
        for (DnsRule rule : policy.dnsRules()) {
            out.printf("  %-24s %8d  %s%n", rule.name(), rule.queries(), rule.action().describe());
        }
        out.flush();
    }
}
