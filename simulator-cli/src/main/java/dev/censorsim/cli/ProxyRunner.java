package dev.censorsim.cli;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;

import java.io.PrintWriter;

/**
 * Runs a proxy front end until SIGINT or SIGTERM: prints one line per finished flow while it runs, and the per-rule
 * counters when it stops. The JVM's shutdown hook closes the proxy gracefully (stop accepting, close flows).
 */
final class ProxyRunner {

    private ProxyRunner() {
    }

    /**
     * Completes {@code front} with the shared listen and policy options, starts it, and blocks until a signal.
     * {@code banner} names what runs; the listen address, policy and rule count are appended.
     */
    static int run(ProxyOptions.Builder front, ListenOptions listen, PolicyOption policyOption, String banner,
                   PrintWriter out) {
        return run(front, listen, policyOption, banner, out, (builder, holder) -> { });
    }

    /** As above; {@code extra} then adds what a front end needs beyond the shared options, with the live policy. */
    static int run(ProxyOptions.Builder front, ListenOptions listen, PolicyOption policyOption, String banner,
                   PrintWriter out, java.util.function.BiConsumer<ProxyOptions.Builder, PolicyHolder> extra) {
        CompiledPolicy policy = policyOption.load();
        ProxyOptions options;
        PolicyHolder holder = new PolicyHolder(policy);
        try {
            front.policy(holder);
            extra.accept(front, holder);
            options = front.listen(listen.listen)
                    .allowedClients(listen.allowedClients())
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
        return runUntilSignal(options, policy, banner + ", policy " + policyOption.describe() + " ("
                + policy.rules().size() + " rules)", out);
    }

    static int runUntilSignal(ProxyOptions options, CompiledPolicy policy, String banner, PrintWriter out) {
        CensorProxy proxy;
        try {
            proxy = UntilSignal.start(() -> CensorProxy.start(options), options.listen());
        } catch (CliException e) {
            PcapOption.close(options.capture(), out);
            throw e;
        }
        out.println(banner.replace("{listen}", HostPortConverter.format(proxy.localAddress())));
        // The capture closes after the proxy, so the flows' last packets (their FIN or RST) are in the file.
        return UntilSignal.await(proxy, () -> {
            printCounters(policy, out);
            PcapOption.close(options.capture(), out);
        }, out);
    }

    static void printCounters(CompiledPolicy policy, PrintWriter out) {
        if (policy.rules().isEmpty()) {
            return;
        }
        out.println("censorsim: rule counters");
        out.printf("  %-24s %8s %14s %14s%n", "rule", "flows", "bytes up", "bytes down");
        for (CompiledRule rule : policy.rules()) {
            out.printf("  %-24s %8d %14d %14d%n", rule.name(), rule.counters().flows(), rule.counters().bytesUp(),
                    rule.counters().bytesDown());
        }
        out.flush();
    }
}
