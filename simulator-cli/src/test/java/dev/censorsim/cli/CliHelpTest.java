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
                // A long example is printed as shell lines joined by " \" and a (format) line break.
                for (String part : line.replace(" \\%n", " ").split("&&|[|>]")) {
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
    void everyExampleShouldPrintAsIndentedShellLinesThatFitTheHelpAndAppearOnce() {
        for (Map.Entry<String, CommandLine> command : commands()) {
            String help = command.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            List<String> lines = help.substring(help.indexOf("Examples:") + "Examples:".length()).lines()
                    .filter(l -> !l.isBlank()).toList();
            String name = "censorsim " + command.getKey();
            assertThat(lines).as(name).isNotEmpty().allSatisfy(l -> {
                assertThat(l.length()).as("%s: %s", name, l).isLessThanOrEqualTo(CliHelp.WIDTH);
                assertThat(l).as("%s: indented, never a fragment at column 0", name).startsWith("  ");
            });
            for (int i = 1; i < lines.size(); i++) {
                if (lines.get(i - 1).endsWith(" \\")) {
                    assertThat(lines.get(i)).as("%s: the continuation of a line ending in \\", name)
                            .startsWith("      ");
                } else {
                    assertThat(lines.get(i)).as("%s: a new example", name).doesNotStartWith("   ");
                }
            }
            assertThat(lines.get(lines.size() - 1)).as(name).doesNotEndWith("\\");
            assertThat(lines).as("%s: no line twice", name).doesNotHaveDuplicates();
            assertThat(help).as("%s: no unresolved picocli variable", name).doesNotContain("null");
        }
        String client = Main.commandLine().getSubcommands().get("messenger").getSubcommands().get("client")
                .getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(client).containsOnlyOnce("--duration 20s").containsOnlyOnce("--calls 127.0.0.1:3478");
    }

    @Test
    void theExamplesTableShouldNameOnlyCommandsThatExist() {
        List<String> names = commands().stream().map(Map.Entry::getKey).toList();
        assertThat(names).containsAll(CliHelp.documented());
        assertThat(Arrays.asList(names.toArray())).contains("scenario list", "completion");
    }

    @Test
    void helpShouldShowTheHelpOfANestedSubcommand() {
        CliRun nested = CliRun.of("help", "messenger", "client");
        CliRun direct = CliRun.of("messenger", "client", "--help");

        assertThat(nested.exitCode()).as(nested.err()).isEqualTo(ExitCodes.OK);
        assertThat(nested.out()).contains("Usage: censorsim messenger client ").isEqualTo(direct.out());
        assertThat(CliRun.of("help", "scenario", "run").out()).isEqualTo(CliRun.of("scenario", "run", "--help").out());
    }

    @Test
    void helpShouldStillShowTheRootAndFirstLevelHelp() {
        assertThat(CliRun.of("help").out()).isEqualTo(CliRun.of("--help").out());
        assertThat(CliRun.of("help", "messenger").out()).contains("Usage: censorsim messenger ")
                .doesNotContain("Usage: censorsim messenger client")
                .isEqualTo(CliRun.of("messenger", "--help").out());
    }

    @Test
    void helpForAnUnknownSubcommandShouldBeBadInputNamingWhereItLooked() {
        CliRun run = CliRun.of("help", "messenger", "nosuch");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().findFirst().orElseThrow())
                .isEqualTo("censorsim: unknown command 'nosuch' in 'censorsim messenger'; its commands: server, client");
        assertThat(run.out()).isEmpty();
    }
}
