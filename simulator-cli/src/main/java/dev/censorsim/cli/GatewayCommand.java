package dev.censorsim.cli;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.transparent.InterceptionUnavailableException;
import dev.censorsim.transparent.Gateway;
import dev.censorsim.transparent.GatewayOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code censorsim gateway --interface IFACE}: censor a VM's, container's or emulator's traffic on an interface. */
@Command(name = "gateway",
        header = "Censor every TCP and UDP flow arriving on an existing interface (a VM's tap or veth, a bridge).",
        description = {
            "Needs root (CAP_NET_ADMIN), iproute2 and nftables. The VM's default route must point at this host's "
                    + "address on IFACE. Every TCP and UDP flow arriving on IFACE goes to its original destination "
                    + "under the policy; nothing from IFACE is forwarded, and with censorsim gone its flows are "
                    + "refused. ICMP is not intercepted; DNS passes as UDP to the VM's own resolver.",
            "Runs until SIGINT/SIGTERM, printing one line per flow; then removes its table, rules and routes."
        },
        mixinStandardHelpOptions = true)
final class GatewayCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    PolicyOption policy;

    @Mixin
    PcapOption pcap;

    @Option(names = "--interface", required = true, paramLabel = "IFACE",
            description = "The interface whose incoming traffic is censored.")
    String iface;

    @Mixin
    TransparentIdleOptions idle;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        CompiledPolicy compiled = policy.load();
        GatewayOptions options;
        try {
            options = new GatewayOptions(iface, new PolicyHolder(compiled),
                    record -> line(out, record.toLogLine()), record -> line(out, record.toLogLine()),
                    idle.idleTimeout, idle.udpIdleTimeout, null);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        try {
            Gateway.checkRequirements(); // before --pcap truncates its file
        } catch (InterceptionUnavailableException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: " + e.getMessage());
        }
        CaptureFile capture = pcap.open();
        Gateway gateway = Gateway.prepare(new GatewayOptions(options.iface(), options.policy(), options.tcpListener(),
                options.udpListener(), options.idleTimeout(), options.udpIdleTimeout(), capture));
        // In place before set-up adds its first rule: SIGINT/SIGTERM during set-up (before UntilSignal takes the
        // signals) removes what was made so far, waiting for an ip or nft step in progress, before the JVM exits.
        Thread setUpHook = new Thread(gateway::close, "censorsim-gateway-teardown");
        Runtime.getRuntime().addShutdownHook(setUpHook);
        try {
            try {
                gateway.open();
            } catch (IOException | RuntimeException e) {
                gateway.close();
                PcapOption.close(capture, out);
                // The message is the whole story; a stack trace would add nothing.
                if (e instanceof InterceptionUnavailableException) {
                    throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: "
                            + e.getMessage());
                }
                throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot set up interception: " + e.getMessage(),
                        e);
            }
            line(out, "censorsim gateway: intercepting TCP and UDP arriving on " + iface + " (nft table inet "
                    + gateway.nftTable() + ", listeners " + gateway.listenAddresses().stream()
                    .filter(Objects::nonNull).map(HostPortConverter::format).collect(Collectors.joining(" "))
                    + "), policy " + policy.describe() + " (" + compiled.rules().size() + " rules)");
            return UntilSignal.await(gateway, () -> {
                if (!gateway.teardownErrors().isEmpty()) {
                    line(out, "censorsim gateway: warning: teardown left something behind: "
                            + gateway.teardownErrors());
                }
                ProxyRunner.printCounters(compiled, out);
                PcapOption.close(capture, out);
            }, out);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(setUpHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run; UntilSignal's own hook does the rest
            }
        }
    }

    private static void line(PrintWriter to, String text) {
        synchronized (to) {
            to.println(text);
            to.flush();
        }
    }
}
