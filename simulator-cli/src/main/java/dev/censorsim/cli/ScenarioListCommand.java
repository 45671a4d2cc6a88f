package dev.censorsim.cli;

import dev.censorsim.policy.PolicyException;
import dev.censorsim.scenario.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code censorsim scenario list}: the shipped scenarios, runnable by name from any directory. */
@Command(name = "list",
        header = "List the shipped scenarios: name, phases and what each models.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  censorsim scenario list",
                  "  censorsim scenario run whatsapp-2026-block     # a shipped scenario, by name"})
final class ScenarioListCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> files = ScenarioCatalog.list();
        int width = files.stream().mapToInt(p -> baseName(p).length()).max().orElse(10);
        for (Path file : files) {
            String name = baseName(file);
            try {
                Scenario scenario = Scenario.load(file);
                out.printf("%-" + width + "s  %d phases  %s%n", name, scenario.phases().size(),
                        scenario.description());
            } catch (PolicyException e) {
                out.printf("%-" + width + "s  (does not load: %s)%n", name, e.getMessage());
            }
        }
        out.println();
        out.println("from " + ScenarioCatalog.directory());
        return ExitCodes.OK;
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".yaml") ? name.substring(0, name.length() - ".yaml".length()) : name;
    }
}
