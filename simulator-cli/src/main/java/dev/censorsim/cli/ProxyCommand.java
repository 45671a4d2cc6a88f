package dev.censorsim.cli;

import dev.censorsim.proxy.ProxyOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;

/** {@code censorsim proxy}: a TCP or UDP port-forwarder that applies the censor's policy to every flow. */
@Command(name = "proxy",
        header = "Forward TCP (or, with --udp, UDP) from a local port to one upstream, applying the censor's policy.",
        description = "Runs until SIGINT/SIGTERM. Prints one line per flow: client, SNI or Host (TCP) or protocol "
                + "(UDP), rule, action, bytes (and datagrams) each way, and how the flow ended.",
        mixinStandardHelpOptions = true)
final class ProxyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    FrontEndOptions frontEnd;

    @Option(names = "--upstream", required = true, paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Where every flow is forwarded to.")
    InetSocketAddress upstream;

    @Mixin
    UdpOptions udp;

    @Override
    public Integer call() {
        if (udp.enabled) {
            return UdpRunner.run(upstream, frontEnd.listen, frontEnd.policy, udp, frontEnd.pcap,
                    frontEnd.loopMark.loopMark(), spec.commandLine().getOut());
        }
        return ProxyRunner.run(frontEnd.applyTo(ProxyOptions.forward(upstream)), frontEnd.listen, frontEnd.policy,
                "censorsim proxy: listening on {listen}, forwarding to " + HostPortConverter.format(upstream),
                spec.commandLine().getOut());
    }
}
