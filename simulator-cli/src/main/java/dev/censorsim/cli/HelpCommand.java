package dev.censorsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code censorsim help [COMMAND...]}: the help of a command at any depth ({@code censorsim help messenger client}).
 * picocli's own {@code HelpCommand} takes one name and looks it up among its parent's subcommands only, so
 * {@code help messenger client} printed the help of {@code messenger}.
 */
@Command(name = "help",
        helpCommand = true,
        header = "Show the help of a command, or of a subcommand at any depth.",
        description = "Without a COMMAND, the help of censorsim itself; 'help scenario run' is 'scenario run --help'.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean helpRequested;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The command and its subcommands, e.g. scenario run.")
    List<String> path = new ArrayList<>();

    private CommandLine self;
    private Help.ColorScheme colors;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.colors = colorScheme;
        this.out = out;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        List<String> walked = new ArrayList<>();
        for (String name : path) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                String where = walked.isEmpty() ? "censorsim" : "censorsim " + String.join(" ", walked);
                throw new CommandLine.ParameterException(self, "unknown command '" + name + "' in '" + where
                        + "'; its commands: " + String.join(", ", target.getSubcommands().keySet()));
            }
            walked.add(name);
            target = sub;
        }
        target.usage(out, colors);
    }
}
