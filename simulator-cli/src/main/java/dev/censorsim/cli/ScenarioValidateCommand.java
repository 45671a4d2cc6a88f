package dev.censorsim.cli;

import dev.censorsim.units.Durations;
import dev.censorsim.scenario.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code censorsim scenario validate FILE...}: loads every file as a run would, without running anything. */
@Command(name = "validate",
        header = "Check scenario files (and the policy files they name) without running them.",
        description = "Every file is checked; each error is printed as file:line:column: what was expected. "
                + "Exit code 0 when every file is valid, 2 when any is not.",
        mixinStandardHelpOptions = true)
final class ScenarioValidateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files (YAML).")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int bad = 0;
        for (Path file : files) {
            Scenario s;
            try {
                s = ScenarioFiles.load(file);
            } catch (CliException e) {
                err.println("censorsim: " + e.getMessage());
                bad++;
                continue;
            }
            out.printf(Locale.ROOT, "ok %s: scenario %s, %d phases (%s at time-scale %s), %d expectations, "
                            + "policies %s%n", file, s.name(), s.phases().size(),
                    Durations.format(s.scaledDuration().toNanos()), ScenarioFiles.scale(s.timeScale()),
                    s.expectationCount(), String.join(", ", s.policies().keySet()));
        }
        out.flush();
        err.flush();
        if (bad > 0) {
            err.printf(Locale.ROOT, "censorsim: %d of %d scenario files invalid%n", bad, files.size());
            err.flush();
            return ExitCodes.BAD_INPUT;
        }
        return ExitCodes.OK;
    }
}
