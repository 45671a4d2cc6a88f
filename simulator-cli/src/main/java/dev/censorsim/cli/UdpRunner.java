package dev.censorsim.cli;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the forward UDP relay until SIGINT or SIGTERM, printing one line per ended flow and the rule counters at the
 * end, like {@link ProxyRunner} does for TCP.
 */
final class UdpRunner {

    private UdpRunner() {
    }

    static int run(InetSocketAddress upstream, ListenOptions listen, PolicyOption policyOption, UdpOptions udp,
                   PrintWriter out) {
        CompiledPolicy policy = policyOption.load();
        UdpRelayOptions options;
        try {
            options = UdpRelayOptions.forward(upstream)
                    .listen(listen.listen)
                    .policy(new PolicyHolder(policy))
                    .allowedClients(listen.allowedClients())
                    .idleTimeout(udp.idleTimeout)
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
            relay = UdpRelay.start(options);
        } catch (Exception e) {
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new CliException(ExitCodes.RUNTIME_FAILURE,
                        "cannot listen on " + HostPortConverter.format(options.listen()) + ": " + e.getMessage(), e);
            }
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot start: " + e.getMessage(), e);
        }
        out.println("censorsim proxy: UDP on " + HostPortConverter.format(relay.localAddress()) + ", forwarding to "
                + HostPortConverter.format(upstream) + ", idle timeout " + udp.idleTimeout.toMillis() + "ms, policy "
                + policyOption.describe() + " (" + policy.rules().size() + " rules)");
        out.println("censorsim: press Ctrl-C to stop");
        out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.close();
            ProxyRunner.printCounters(policy, out);
            stopped.countDown();
        }, "censorsim-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            relay.close();
        }
        return ExitCodes.OK;
    }
}
