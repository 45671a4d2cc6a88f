package dev.censorsim.cli;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.PrintWriter;
import java.net.InetSocketAddress;

/**
 * Runs the forward UDP relay until SIGINT or SIGTERM, printing one line per ended flow and the rule counters at the
 * end, like {@link ProxyRunner} does for TCP.
 */
final class UdpRunner {

    private UdpRunner() {
    }

    static int run(InetSocketAddress upstream, ListenOptions listen, PolicyOption policyOption, UdpOptions udp,
                   PcapOption pcap, boolean loopMark, PrintWriter out) {
        CompiledPolicy policy = policyOption.load();
        UdpRelayOptions options;
        try {
            options = UdpRelayOptions.forward(upstream)
                    .listen(listen.listen)
                    .policy(new PolicyHolder(policy))
                    .allowedClients(listen.allowedClients())
                    .idleTimeout(udp.idleTimeout)
                    .capture(pcap.open())
                    .loopMark(loopMark)
                    .listener(record -> {
                        synchronized (out) {
                            out.println(record.toLogLine());
                            out.flush();
                        }
                    })
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        UdpRelay relay;
        try {
            relay = UntilSignal.start(() -> UdpRelay.start(options), options.listen());
        } catch (CliException e) {
            PcapOption.close(options.capture(), out);
            throw e;
        }
        out.println("censorsim proxy: UDP on " + HostPortConverter.format(relay.localAddress()) + ", forwarding to "
                + HostPortConverter.format(upstream) + ", idle timeout " + udp.idleTimeout.toMillis() + "ms, policy "
                + policyOption.describe() + " (" + policy.rules().size() + " rules)");
        return UntilSignal.await(relay, () -> {
            ProxyRunner.printCounters(policy, out);
            PcapOption.close(options.capture(), out);
        }, out);
    }
}
