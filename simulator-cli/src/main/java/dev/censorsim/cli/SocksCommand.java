package dev.censorsim.cli;

import dev.censorsim.proxy.ProxyOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code censorsim socks}: a SOCKS5 CONNECT front end (RFC 1928, no auth) that applies the censor's policy. */
@Command(name = "socks",
        header = "Run a SOCKS5 proxy (CONNECT, no auth) that applies the censor's policy to each flow.",
        description = "Point curl --socks5-hostname or a browser at it. The SOCKS target host name is matched by "
                + "'target' and 'domain' rules, the TLS SNI by 'sni'. Runs until SIGINT/SIGTERM.",
        mixinStandardHelpOptions = true)
final class SocksCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    FrontEndOptions frontEnd;

    @Override
    public Integer call() {
        return ProxyRunner.run(frontEnd.applyTo(ProxyOptions.socks()), frontEnd.listen, frontEnd.policy,
                "censorsim socks: SOCKS5 on {listen}", spec.commandLine().getOut());
    }
}
