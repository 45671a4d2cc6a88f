package dev.censorsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code censorsim scenario}: the parent of {@code list}, {@code validate} and {@code run}. */
@Command(name = "scenario",
        header = "List, validate and run scenario files: a messenger workload through a timeline of censor policies.",
        mixinStandardHelpOptions = true,
        subcommands = {ScenarioValidateCommand.class, ScenarioRunCommand.class, ScenarioListCommand.class})
final class ScenarioCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: try 'censorsim scenario validate scenarios/whatsapp-2025-26.yaml'");
    }
}
