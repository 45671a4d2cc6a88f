package dev.censorsim.cli;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.dns.ZoneException;
import dev.censorsim.dns.ZoneFileLoader;
import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.lab.PolicyFileReloader;
import dev.censorsim.scenario.Timeline;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code censorsim serve}: every front end on one live policy, steered through the control API. Parses arguments
 * into {@link LabOptions}; the lab does the rest.
 */
@Command(name = "serve",
        header = "Run a live censor for your own app: SOCKS5, HTTP proxy, port-forwards and DNS on one policy, "
                + "steered over an HTTP API.",
        description = {
            "Point your app at --socks or --http-proxy (HTTPS_PROXY, -Dhttps.proxyHost, an emulator's -http-proxy), "
                    + "then change the policy while it runs: PUT /censorsim/policy, 'censorsim ctl', SIGHUP or "
                    + "--watch. Without any front-end option, SOCKS5 runs on 127.0.0.1:1080 and the HTTP proxy on "
                    + "127.0.0.1:3128. Everything listens on loopback and serves loopback clients unless told "
                    + "otherwise. Prints one line per ended flow; runs until SIGINT/SIGTERM."
        },
        mixinStandardHelpOptions = true)
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    PolicyOption policy;

    @Option(names = "--socks", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "SOCKS5 front end (CONNECT and UDP ASSOCIATE); its target names match 'target'/'domain'.")
    InetSocketAddress socks;

    @Option(names = "--no-socks-udp", description = "Refuse SOCKS5 UDP ASSOCIATE.")
    boolean noSocksUdp;

    @Option(names = "--http-proxy", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "HTTP/1.1 proxy front end: CONNECT tunnels (target matchable as 'target'/'domain') and "
                    + "plain-HTTP absolute-URI requests ('host' rules).")
    InetSocketAddress httpProxy;

    @Option(names = "--http-proxy-auth", paramLabel = "USER:PASSWORD",
            description = "Require these Basic proxy credentials (407 without them).")
    String httpProxyAuth;

    @Option(names = "--forward", paramLabel = "NAME=LISTEN,UPSTREAM",
            description = "A named port-forward, e.g. api=127.0.0.1:9443,127.0.0.1:443; prefix LISTEN with 'udp:' "
                    + "for UDP (voice=udp:127.0.0.1:3478,127.0.0.1:3479). Repeatable.")
    List<String> forwards = new ArrayList<>();

    @Option(names = "--dns", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "DNS server (UDP and TCP) for the --zone files, with the policy's DNS rules.")
    InetSocketAddress dns;

    @Option(names = "--zone", paramLabel = "FILE",
            description = "RFC 1035 zone file. Served by --dns, and consulted first when the proxies resolve target "
                    + "names, so a lab works offline. Repeatable.")
    List<Path> zoneFiles = new ArrayList<>();

    @Option(names = "--dns-upstream", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Forward DNS names outside the zones to this server (default: REFUSED).")
    InetSocketAddress dnsUpstream;

    @Option(names = "--phase", paramLabel = "NAME=FILE",
            description = "A named policy that 'POST /censorsim/phase/NAME' and 'censorsim ctl phase NAME' switch "
                    + "to. Repeatable.")
    Map<String, Path> phaseFiles = new java.util.LinkedHashMap<>();

    @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8474",
            converter = HostPortConverter.class,
            description = "Control API address (default: ${DEFAULT-VALUE}, Toxiproxy's port).")
    InetSocketAddress api;

    @Option(names = "--no-api", description = "Run without the control API.")
    boolean noApi;

    @Option(names = "--api-token", paramLabel = "TOKEN",
            description = "Require 'Authorization: Bearer TOKEN' on the API; mandatory when --api is not loopback. "
                    + "Default: the CENSORSIM_API_TOKEN environment variable.")
    String apiToken;

    @Option(names = "--allow-client", paramLabel = "CIDR",
            description = "Client networks served besides loopback, e.g. 192.0.2.0/24 (an emulator's host network). "
                    + "Repeatable.")
    List<String> allowClients = new ArrayList<>();

    @Option(names = "--watch", description = "Reload the --policy file whenever it changes (SIGHUP always does).")
    boolean watch;

    @Option(names = "--watch-interval", paramLabel = "DURATION", defaultValue = "500ms",
            converter = FrontEndOptions.DurationConverter.class,
            description = "How often --watch looks at the file (default: ${DEFAULT-VALUE}).")
    Duration watchInterval;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m",
            converter = FrontEndOptions.DurationConverter.class,
            description = "Close a flow a rule acted on after this long without a relayed byte; 0s for never "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--quiet", description = "Do not print a line per ended flow.")
    boolean quiet;

    @Mixin
    LiveTimelineOptions timelineOptions;

    @Mixin
    PcapOption pcap;

    @Mixin
    LoopMarkOption loopMark;

    @Option(names = "--exit-after-timeline",
            description = "Stop once the timeline's last phase ends (default: keep serving its last policy).")
    boolean exitAfterTimeline;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (watch && policy.file == null) {
            throw new CliException(ExitCodes.BAD_INPUT, "--watch needs --policy FILE");
        }
        CompiledPolicy compiled = policy.load();
        LabOptions options = new LabOptions()
                .policy(compiled, policy.describe(), policy.text())
                .idleTimeout(idleTimeout)
                .loopMark(loopMark.loopMark())
                .version(new VersionProvider().getVersion()[0]);
        if (socks == null && httpProxy == null && forwards.isEmpty() && dns == null) {
            socks = new InetSocketAddress("127.0.0.1", 1080);
            httpProxy = new InetSocketAddress("127.0.0.1", 3128);
        }
        options.socks(socks).socksUdp(!noSocksUdp).httpProxy(httpProxy).dns(dns).dnsUpstream(dnsUpstream);
        for (String forward : forwards) {
            options.forward(parseForward(forward));
        }
        for (Path file : zoneFiles) {
            try {
                options.zone(ZoneFileLoader.load(file));
            } catch (ZoneException e) {
                throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
            }
        }
        phaseFiles.forEach((name, file) -> options.phase(name, loadPhase(name, file)));
        List<String> clients = new ArrayList<>(List.of("127.0.0.0/8", "::1/128"));
        clients.addAll(allowClients);
        String token = apiToken != null ? apiToken : System.getenv("CENSORSIM_API_TOKEN");
        try {
            options.allowedClients(clients).httpProxyCredentials(httpProxyAuth);
            if (!noApi) {
                options.api(api).apiToken(token);
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        if (!quiet) {
            options.flowListener((front, record) -> print(out, "[" + front + "] " + record.toLogLine()))
                    .udpFlowListener((front, record) -> print(out, "[" + front + "] " + record.toLogLine()));
        }
        Timeline timeline = timelineOptions.load();
        if (exitAfterTimeline && timeline == null) {
            throw new CliException(ExitCodes.BAD_INPUT, "--exit-after-timeline needs --timeline FILE");
        }
        CaptureFile capture = pcap.open();
        Lab lab;
        try {
            lab = startLab(options.capture(capture));
        } catch (CliException e) {
            PcapOption.close(capture, out);
            throw e;
        }
        out.println("censorsim serve: " + describe(lab) + ", policy " + policy.describe() + " ("
                + compiled.rules().size() + " rules, " + compiled.dnsRules().size() + " DNS rules)");
        PolicyFileReloader reloader = policy.file == null ? null
                : new PolicyFileReloader(lab, policy.file, line -> print(out, "censorsim serve: " + line));
        if (reloader != null) {
            HangupSignal.install(reloader::reload);
            if (watch) {
                reloader.watch(watchInterval);
                out.println("censorsim serve: watching " + policy.file + " for changes");
            }
        }
        AutoCloseable stop = () -> {
            if (reloader != null) {
                reloader.close();
            }
            lab.close();
            // After the lab: each flow's last packets (its FIN or RST) are in the file.
            PcapOption.close(capture, out);
        };
        if (timeline == null) {
            return UntilSignal.await(stop, () -> ProxyRunner.printCounters(lab.policy(), out), out);
        }
        LiveTimelineOptions.Playing playing = timelineOptions.play(lab, timeline,
                line -> print(out, "censorsim serve: " + line));
        if (exitAfterTimeline) {
            try {
                playing.awaitEnd();
            } catch (InterruptedException e) {
                playing.stop();
                Thread.currentThread().interrupt();
            }
            try {
                stop.close();
            } catch (Exception ignored) {
                // stopping anyway
            }
            return ExitCodes.OK;
        }
        return UntilSignal.await(stop, () -> {
            // Stopped early: the timeline writes what it saw so far.
            playing.stop();
            ProxyRunner.printCounters(lab.policy(), out);
        }, out);
    }

    private Lab startLab(LabOptions options) {
        try {
            return Lab.start(options);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot start: " + e.getMessage(), e);
        }
    }

    static CompiledPolicy loadPhase(String name, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CliException(ExitCodes.BAD_INPUT, "--phase " + name + ": " + file + ": no such policy file");
        }
        try {
            return PolicyLoader.load(file);
        } catch (PolicyException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
    }

    /** {@code NAME=LISTEN,UPSTREAM}, LISTEN optionally prefixed with {@code udp:}. */
    static LabOptions.Forward parseForward(String spec) {
        int equals = spec.indexOf('=');
        int comma = spec.indexOf(',');
        if (equals < 1 || comma < equals) {
            throw new CliException(ExitCodes.BAD_INPUT, "--forward '" + spec + "': expected NAME=LISTEN,UPSTREAM");
        }
        String name = spec.substring(0, equals);
        String listen = spec.substring(equals + 1, comma);
        boolean udp = listen.startsWith("udp:");
        if (udp) {
            listen = listen.substring(4);
        }
        try {
            return new LabOptions.Forward(name, HostPortConverter.parse(listen),
                    HostPortConverter.parse(spec.substring(comma + 1)), udp);
        } catch (CommandLine.TypeConversionException | IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--forward '" + spec + "': " + e.getMessage());
        }
    }

    private static String describe(Lab lab) {
        List<String> parts = new ArrayList<>();
        lab.frontEnds().forEach((name, address) -> parts.add(name + " "
                + (name.equals("api") ? "http://" : "") + HostPortConverter.format(address)));
        return String.join(", ", parts);
    }

    private static void print(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
