package dev.censorsim.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code censorsim completion bash|zsh}: the shell completion script, generated from the command tree itself. */
@Command(name = "completion",
        header = "Print a bash or zsh completion script for censorsim.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        // "$${" is picocli's escape for a literal "${" (unescaped, the zsh example printed "null/_censorsim"); "%n"
        // breaks a line the help would otherwise wrap at column 80 (CliHelp#shellLines).
        footer = {"  source <(censorsim completion bash)                  # this shell",
                  "  censorsim completion bash > \\%n      ~/.local/share/bash-completion/completions/censorsim",
                  "  censorsim completion zsh > \"$${fpath[1]}/_censorsim\"    # zsh, via bashcompinit"})
final class CompletionCommand implements Callable<Integer> {

    enum Shell { bash, zsh }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        // picocli's script is bash; zsh runs it through bashcompinit, which the script enables itself when it sees
        // zsh. Generated from the root command so every subcommand and option is in it.
        String script = AutoComplete.bash("censorsim", spec.root().commandLine());
        if (shell == Shell.zsh) {
            script = "#compdef censorsim\nautoload -U +X compinit && compinit\n"
                    + "autoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
