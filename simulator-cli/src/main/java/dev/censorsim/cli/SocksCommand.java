package dev.censorsim.cli;

import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.FlowNames;
import dev.censorsim.proxy.udp.SocksUdpSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code censorsim socks}: a SOCKS5 CONNECT front end (RFC 1928, no auth) that applies the censor's policy. */
@Command(name = "socks",
        header = "Run a SOCKS5 proxy (CONNECT, and UDP ASSOCIATE with --udp; no auth) that applies the censor's policy.",
        description = "Point curl --socks5-hostname or a browser at it. The SOCKS target host name is matched by "
                + "'target' and 'domain' rules, the TLS SNI by 'sni'. Runs until SIGINT/SIGTERM.",
        mixinStandardHelpOptions = true)
final class SocksCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    FrontEndOptions frontEnd;

    @Mixin
    UdpOptions udp;

    @picocli.CommandLine.Option(names = "--allow-loopback-targets",
            description = "Let clients that are not on loopback (admitted with --allow-client) CONNECT to loopback "
                    + "addresses; off by default, so services bound only to loopback stay private.")
    boolean allowLoopbackTargets;

    @Override
    public Integer call() {
        if (!udp.enabled) {
            return ProxyRunner.run(frontEnd.applyTo(ProxyOptions.socks().allowLoopbackTargets(allowLoopbackTargets)), frontEnd.listen, frontEnd.policy,
                    "censorsim socks: SOCKS5 on {listen}", spec.commandLine().getOut());
        }
        // UDP flows see the names each client's TLS used over this proxy, so '@list' rules can match its calls.
        FlowNames names = new FlowNames();
        PrintWriter out = spec.commandLine().getOut();
        return ProxyRunner.run(frontEnd.applyTo(ProxyOptions.socks().allowLoopbackTargets(allowLoopbackTargets)), frontEnd.listen, frontEnd.policy,
                "censorsim socks: SOCKS5 with UDP ASSOCIATE on {listen}, UDP idle timeout "
                        + udp.idleTimeout.toMillis() + "ms", out,
                (builder, holder) -> builder
                        .decoratePolicy(names::recording)
                        .udpAssociate(new SocksUdpSettings(holder, record -> {
                            synchronized (out) {
                                out.println(record.toLogLine());
                                out.flush();
                            }
                        }, udp.idleTimeout, names, builder.capture())));
    }
}
