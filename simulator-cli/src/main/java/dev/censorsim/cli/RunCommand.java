package dev.censorsim.cli;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.dns.ZoneException;
import dev.censorsim.dns.ZoneFileLoader;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.transparent.RunAs;
import dev.censorsim.transparent.TransparentRun;
import dev.censorsim.transparent.TransparentRunOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

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
            "Flow lines and messages go to stderr, so CMD's stdout stays its own."
        },
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

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

    @Option(names = "--quiet", description = "Do not print a line per flow.")
    boolean quiet;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The program and its arguments; put -- before it.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CompiledPolicy compiled = policy.load();
        TransparentRunOptions.Builder options = TransparentRunOptions.builder()
                .policy(new PolicyHolder(compiled))
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
        if (!quiet) {
            options.tcpListener(record -> line(err, record.toLogLine()))
                    .udpListener(record -> line(err, record.toLogLine()));
        }
        try {
            options.runAs(RunAs.invokingUser(System.getenv())).build(); // validates before --pcap creates a file
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        CaptureFile capture = pcap.open();
        TransparentRun run;
        try {
            run = TransparentRun.start(options.capture(capture).build());
        } catch (IOException | RuntimeException e) {
            PcapOption.close(capture, err);
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: " + e.getMessage(), e);
        }
        // SIGINT/SIGTERM: the hook kills CMD and removes the namespace, table, rules and routes before the JVM exits;
        // whichever of it and the normal end comes first does the teardown and the report.
        AtomicBoolean finished = new AtomicBoolean();
        Runnable finish = () -> {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            run.close();
            if (!run.teardownErrors().isEmpty()) {
                line(err, "censorsim run: warning: teardown left something behind: " + run.teardownErrors());
            }
            ProxyRunner.printCounters(compiled, err);
            PcapOption.close(capture, err);
        };
        Thread hook = new Thread(finish, "censorsim-run-teardown");
        Runtime.getRuntime().addShutdownHook(hook);
        line(err, "censorsim run: namespace " + run.namespaceName() + ", DNS "
                + HostPortConverter.format(new InetSocketAddress(run.dnsAddress(), 53)) + ", policy "
                + policy.describe() + " (" + compiled.rules().size() + " rules, " + compiled.dnsRules().size()
                + " DNS rules)" + hostsLine(run));
        try {
            // A terminal stays a terminal (interactive programs, colours); otherwise CMD's output goes to our writers.
            boolean terminal = System.console() != null;
            return run.execute(command, terminal ? null : out, terminal ? null : err);
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

    private static void line(PrintWriter to, String text) {
        synchronized (to) {
            to.println(text);
            to.flush();
        }
    }
}
