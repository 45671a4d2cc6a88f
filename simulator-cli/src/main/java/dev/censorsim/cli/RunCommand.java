package dev.censorsim.cli;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.dns.ZoneException;
import dev.censorsim.dns.ZoneFileLoader;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.proxy.FlowListener;
import dev.censorsim.proxy.udp.UdpFlowListener;
import dev.censorsim.scenario.Timeline;
import dev.censorsim.transparent.InterceptionUnavailableException;
import dev.censorsim.transparent.RunAs;
import dev.censorsim.transparent.TransparentRun;
import dev.censorsim.transparent.TransparentRunOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** {@code censorsim run -- CMD}: any unmodified program, in a network namespace whose traffic censorsim intercepts. */
@Command(name = "run",
        header = "Run a program in a network namespace whose every TCP and UDP flow goes through the censor.",
        description = {
            "Needs root (CAP_NET_ADMIN), iproute2 and nftables. Under sudo, CMD runs as the invoking user "
                    + "(SUDO_UID/SUDO_GID). The exit code is CMD's own.",
            "Every TCP and UDP flow of CMD, IPv4 and IPv6, is intercepted with nftables TPROXY and relayed to its "
                    + "original destination under the policy; DNS goes to censorsim's DNS server (--zone, the "
                    + "policy's DNS rules, --dns-upstream). ICMP is not intercepted. If censorsim dies, the "
                    + "namespace's traffic is rejected, never routed around the censor.",
            "--api serves the same control API as 'censorsim serve' while CMD runs ('censorsim ctl --api HOST:PORT' "
                    + "swaps the policy, switches --phase policies, lists flows); --timeline switches policies on "
                    + "schedule and writes per-phase counters when CMD ends. Live flows are re-evaluated at every "
                    + "swap.",
            "Flow lines and messages go to stderr, so CMD's stdout stays its own."
        },
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    /** How long a second teardown request (the shutdown hook, or the command's end) waits for the first to finish. */
    private static final long TEARDOWN_WAIT_MILLIS = 30_000;

    /** The front-end name the namespace's flows carry in the API, the metrics and the timeline's counters. */
    static final String FRONT = "transparent";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    LoopMarkOption loopMark;

    @Mixin
    PolicyOption policy;

    @Option(names = "--zone", paramLabel = "FILE",
            description = "RFC 1035 master file the namespace's DNS server answers from. Repeatable.")
    List<Path> zoneFiles = new ArrayList<>();

    @Option(names = "--dns-upstream", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Forward names outside every zone and --host to this server. Without it they are REFUSED.")
    InetSocketAddress dnsUpstream;

    @Option(names = "--host", paramLabel = "NAME",
            description = "NAME resolves inside to a made-up address whose connections (TCP and UDP) go to the "
                    + "host's loopback on the same port: put your own local backend behind the censor. Repeatable.")
    List<String> hosts = new ArrayList<>();

    @Mixin
    TransparentIdleOptions idle;

    @Mixin
    PcapOption pcap;

    @Option(names = "--api", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Serve the control API (as 'censorsim serve' does) here while CMD runs; off unless given.")
    InetSocketAddress api;

    @Option(names = "--api-token", paramLabel = "TOKEN",
            description = "Require 'Authorization: Bearer TOKEN' on the API; mandatory when --api is not loopback. "
                    + "Default: the CENSORSIM_API_TOKEN environment variable.")
    String apiToken;

    @Option(names = "--phase", paramLabel = "NAME=FILE",
            description = "A named policy that 'censorsim ctl phase NAME' switches to. Repeatable.")
    Map<String, Path> phaseFiles = new LinkedHashMap<>();

    @Mixin
    LiveTimelineOptions timelineOptions;

    @Option(names = "--quiet", description = "Do not print a line per flow.")
    boolean quiet;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The program and its arguments; put -- before it.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CompiledPolicy compiled = policy.load();
        Timeline timeline = timelineOptions.load();
        LabOptions labOptions = new LabOptions().policy(compiled, policy.describe(), policy.text())
                .version(new VersionProvider().getVersion()[0]);
        phaseFiles.forEach((name, file) -> labOptions.phase(name, ServeCommand.loadPhase(name, file)));
        try {
            if (api != null) {
                labOptions.api(api).apiToken(apiToken != null ? apiToken : System.getenv("CENSORSIM_API_TOKEN"));
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        TransparentRunOptions.Builder options = TransparentRunOptions.builder()
                .dnsUpstream(dnsUpstream)
                .idleTimeout(idle.idleTimeout)
                .udpIdleTimeout(idle.udpIdleTimeout);
        for (Path file : zoneFiles) {
            try {
                options.zone(ZoneFileLoader.load(file));
            } catch (ZoneException e) {
                throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
            }
        }
        hosts.forEach(options::host);
        try {
            options.runAs(RunAs.invokingUser(System.getenv())).build(); // validates before --pcap creates a file
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        try {
            TransparentRun.checkRequirements(); // before --pcap creates a file and --api binds a port
        } catch (InterceptionUnavailableException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: " + e.getMessage());
        }
        CaptureFile capture = pcap.open();
        // The lab holds the live policy and, with --api, serves it (Toxiproxy proxies made through it, reachable
        // from inside with --host, write to the same pcap); the namespace's listeners report to it.
        Lab lab;
        try {
            lab = UntilSignal.start(() -> Lab.start(labOptions.capture(capture)), api);
        } catch (CliException e) {
            PcapOption.close(capture, err);
            throw e;
        }
        FlowListener tcpFlows = lab.tcpFlowListener(FRONT);
        UdpFlowListener udpFlows = lab.udpFlowListener(FRONT);
        options.policy(lab.holder()).dnsListener(lab.dnsQueryListener())
                .tcpListener(quiet ? tcpFlows : record -> {
                    tcpFlows.flowEnded(record);
                    line(err, record.toLogLine());
                })
                .udpListener(quiet ? udpFlows : record -> {
                    udpFlows.flowEnded(record);
                    line(err, record.toLogLine());
                });
        // The hook is in place before set-up makes its first kernel object: SIGINT/SIGTERM at any point from here
        // kills CMD and removes the namespace, table, rules and routes made so far before the JVM exits (a step in
        // progress is waited for, so nothing appears after). Whichever of it and the normal end (or a failed set-up)
        // comes first does the teardown and the report.
        TransparentRun run = TransparentRun.prepare(options.capture(capture).loopMark(loopMark.loopMark()).build());
        AtomicReference<LiveTimelineOptions.Playing> playing = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean();
        Runnable finish = new OnceTeardown(() -> {
            LiveTimelineOptions.Playing timelineRun = playing.get();
            if (timelineRun != null) {
                timelineRun.stop(); // the phases so far are reported; CMD's end ends the timeline
            }
            lab.detach(FRONT);
            run.close();
            if (!run.teardownErrors().isEmpty()) {
                line(err, "censorsim run: warning: teardown left something behind: " + run.teardownErrors());
            }
            lab.close();
            if (running.get()) {
                ProxyRunner.printCounters(lab.policy(), err);
            }
            PcapOption.close(capture, err);
        }, TEARDOWN_WAIT_MILLIS);
        Thread hook = new Thread(finish, "censorsim-run-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            try {
                run.open();
            } catch (IOException | RuntimeException e) {
                // The message is the whole story; a stack trace would add nothing.
                if (e instanceof InterceptionUnavailableException) {
                    throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: "
                            + e.getMessage());
                }
                throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: " + e.getMessage(),
                        e);
            }
            running.set(true);
            lab.attach(FRONT, run::liveFlows, run::liveFlowCount);
            line(err, "censorsim run: namespace " + run.namespaceName() + ", DNS "
                    + HostPortConverter.format(new InetSocketAddress(run.dnsAddress(), 53)) + ", policy "
                    + policy.describe() + " (" + compiled.rules().size() + " rules, " + compiled.dnsRules().size()
                    + " DNS rules)" + hostsLine(run)
                    + (lab.apiAddress() == null ? "" : ", api http://" + HostPortConverter.format(lab.apiAddress())));
            if (timeline != null) {
                playing.set(timelineOptions.play(lab, timeline, text -> line(err, "censorsim run: " + text)));
            }
            // A terminal stays a terminal (interactive programs, colours); otherwise CMD's output goes, byte for byte,
            // to the streams under our writers, its batches of whole lines under err's monitor, which line() takes.
            // Writers with no stream under them (a library caller's) leave CMD our own stdout and stderr.
            boolean terminal = System.console() != null;
            // On a terminal, Ctrl-C and Ctrl-\ are CMD's while it runs (a REPL's KeyboardInterrupt), not the run's end.
            try (CommandSignals keyboard = CommandSignals.leaveToCommand(terminal)) {
                return run.execute(command, terminal ? null : streamOf(out), terminal ? null : streamOf(err), err);
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot run " + command.get(0) + ": " + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "interrupted");
        } finally {
            finish.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private String hostsLine(TransparentRun run) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++) {
            s.append(i == 0 ? ", hosts " : ", ").append(hosts.get(i)).append('=')
                    .append(run.hostAddress(i).getHostAddress());
        }
        return s.toString();
    }

    private static OutputStream streamOf(PrintWriter writer) {
        return writer instanceof StreamPrintWriter bytes ? bytes.stream() : null;
    }

    private static void line(PrintWriter to, String text) {
        synchronized (to) {
            to.println(text);
            to.flush();
        }
    }
}
