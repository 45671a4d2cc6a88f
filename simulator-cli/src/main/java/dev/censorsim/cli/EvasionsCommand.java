package dev.censorsim.cli;

import dev.censorsim.evasion.Evasion;
import dev.censorsim.evasion.EvasionReport;
import dev.censorsim.evasion.EvasionResult;
import dev.censorsim.evasion.EvasionRunner;
import dev.censorsim.policy.CompiledPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code censorsim evasions}: the evasion matrix of a policy, over real sockets. */
@Command(name = "evasions",
        header = "Run each client-side SNI evasion against a policy over real sockets and print what got through.",
        description = "Each evasion sends its first packets through a fresh in-process censor proxy with the policy to "
                + "an in-process server on loopback, which answers with 256 KiB; the outcome is blocked (reset, close, "
                + "black hole, stall), throttled (well below the uncensored control's rate) or passed.",
        mixinStandardHelpOptions = true)
final class EvasionsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    PolicyOption policy;

    @Option(names = "--name", paramLabel = "SNI", required = true,
            description = "The server name the client wants, as the policy would see it in a plain ClientHello.")
    String name;

    @Option(names = "--evasion", paramLabel = "NAME", split = ",",
            description = "Only these evasions (comma-separated); default: all of them (doh and hardcoded-ip only "
                    + "when the policy has DNS rules).")
    List<String> only;

    @Option(names = "--budget", paramLabel = "DURATION", defaultValue = "4s",
            description = "How long each response may take before it is judged on what arrived (default "
                    + "${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write one JSON object per evasion to FILE.")
    Path json;

    @Option(names = "--report-dir", paramLabel = "DIR", description = "Also write DIR/evasions.html.")
    Path reportDir;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() {
        if (policy.file == null) {
            throw new CliException(ExitCodes.BAD_INPUT, "--policy is required: the matrix is of a policy");
        }
        CompiledPolicy compiled = policy.load();
        List<Evasion> evasions = evasions(!compiled.dnsRules().isEmpty());
        Duration perEvasion;
        try {
            perEvasion = Duration.ofNanos(dev.censorsim.units.Durations.parseNanos(budget));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--budget: " + e.getMessage());
        }
        if (perEvasion.toMillis() < 1_000) {
            throw new CliException(ExitCodes.BAD_INPUT, "--budget must be at least 1s, got " + budget);
        }
        List<EvasionResult> results;
        try {
            results = new EvasionRunner(compiled, name, perEvasion).run(evasions);
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "evasions: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(EvasionReport.text(results));
        out.flush();
        try {
            if (json != null) {
                Files.writeString(json, EvasionReport.jsonLines(results), StandardCharsets.UTF_8);
            }
            if (reportDir != null) {
                Files.createDirectories(reportDir);
                Files.writeString(reportDir.resolve("evasions.html"),
                        EvasionReport.html(policy.describe(), name, results), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot write the report: " + e.getMessage(), e);
        }
        return ExitCodes.OK;
    }

    /** @param dnsRules whether the policy has DNS rules, without which doh and hardcoded-ip evade nothing */
    private List<Evasion> evasions(boolean dnsRules) {
        if (only == null || only.isEmpty()) {
            return Arrays.stream(Evasion.values()).filter(e -> dnsRules || !e.isDns()).toList();
        }
        List<Evasion> chosen = new ArrayList<>();
        for (String n : only) {
            Evasion e = Evasion.fromWireName(n.strip());
            if (e == null) {
                throw new CliException(ExitCodes.BAD_INPUT, "unknown evasion '" + n + "'; expected one of "
                        + String.join(", ", Arrays.stream(Evasion.values()).map(Evasion::wireName).toList()));
            }
            if (e.isDns() && !dnsRules) {
                throw new CliException(ExitCodes.BAD_INPUT, "evasion '" + e.wireName() + "' evades DNS rules, and "
                        + "the policy has none");
            }
            chosen.add(e);
        }
        return chosen;
    }
}
