package dev.censorsim.cli;

import dev.censorsim.demo.DemoOptions;
import dev.censorsim.demo.DemoReport;
import dev.censorsim.demo.ProxyDemo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code censorsim demo}: the 2025–26 WhatsApp timeline through the real censor proxy, end to end. */
@Command(name = "demo",
        header = "Run the WhatsApp 2025-26 timeline (baseline, throttled 75%, SNI-blocked) end to end over loopback.",
        description = "Starts a TLS server and the censor proxy on ephemeral loopback ports, downloads through the "
                + "proxy in each phase, and checks that the censor did what the timeline says. "
                + "Exit code 0 when every expectation held, 1 otherwise.",
        mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--downloads", defaultValue = "3",
            description = "Downloads per name per phase (default: ${DEFAULT-VALUE}).")
    int downloads;

    @Option(names = "--size", defaultValue = "3000000",
            description = "Bytes per download (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--timeout-ms", defaultValue = "5000",
            description = "Client connect and read timeout in milliseconds (default: ${DEFAULT-VALUE}).")
    int timeoutMillis;

    @Override
    public Integer call() throws Exception {
        DemoOptions options;
        try {
            options = new DemoOptions(downloads, size, timeoutMillis);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        DemoReport report = new ProxyDemo(options, out).run();
        report.print(out);
        out.flush();
        return report.passed() ? ExitCodes.OK : ExitCodes.EXPECTATIONS_FAILED;
    }
}
