package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class CliHelpTest {

    /** Every command in the tree, with its qualified name ("" for the root). */
    private static List<Map.Entry<String, CommandLine>> commands() {
        List<Map.Entry<String, CommandLine>> out = new ArrayList<>();
        walk(Main.commandLine(), "", out);
        return out;
    }

    private static void walk(CommandLine cli, String path, List<Map.Entry<String, CommandLine>> out) {
        out.add(Map.entry(path, cli));
        cli.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                walk(sub, path.isEmpty() ? name : path + " " + name, out);
            }
        });
    }

    @Test
    void everyCommandsHelpShouldListItsExitCodesAndGiveAnExample() {
        for (Map.Entry<String, CommandLine> command : commands()) {
            String help = command.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            String name = "censorsim " + command.getKey();
            assertThat(help).as(name + " --help lists its exit codes").contains("Exit codes:", " 0 ", " 2 ", " 3 ");
            assertThat(help).as(name + " --help gives an example").contains("Examples:");
        }
    }

    @Test
    void noOptionShouldBeLabelledWithItsJavaFieldName() {
        for (Map.Entry<String, CommandLine> command : commands()) {
            command.getValue().getCommandSpec().options().stream()
                    .filter(option -> option.arity().max() > 0) // a flag shows no label
                    .forEach(option -> assertThat(option.paramLabel()).as("censorsim %s %s", command.getKey(), option.longestName())
                            .doesNotMatch("<[a-z]+[A-Z][A-Za-z]*>"));
        }
    }

    @Test
    void everyExampleShouldParseAsWritten() {
        for (Map.Entry<String, CommandLine> command : commands()) {
            for (String line : command.getValue().getCommandSpec().usageMessage().footer()) {
                for (String part : line.split("&&|[|>]")) {
                    String example = part.replaceAll("#.*$", "").trim().replaceFirst("^sudo ", "");
                    if (!example.startsWith("censorsim ")) {
                        continue; // curl, dig, source: other programs
                    }
                    String[] args = example.substring("censorsim ".length()).split("\\s+");
                    assertThatCode(() -> Main.commandLine().parseArgs(args)).as(example).doesNotThrowAnyException();
                }
            }
        }
    }

    @Test
    void theExamplesTableShouldNameOnlyCommandsThatExist() {
        List<String> names = commands().stream().map(Map.Entry::getKey).toList();
        assertThat(names).containsAll(CliHelp.documented());
        assertThat(Arrays.asList(names.toArray())).contains("scenario list", "completion");
    }
}
