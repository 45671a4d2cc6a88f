package dev.censorsim.cli;

import dev.censorsim.scenario.LocalScenarioRunner;
import dev.censorsim.scenario.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code censorsim demo}: the default scenario, {@code scenarios/whatsapp-2025-26.yaml} (baseline, the December 2025
 * throttle, the 2026 SNI block), run end to end with its reports. It is {@code censorsim scenario run} on that file,
 * found without the user having to know where it lives.
 */
@Command(name = "demo",
        header = "Run the default scenario (WhatsApp 2025-26: baseline, throttled 75%%, SNI-blocked) end to end.",
        description = "Starts the synthetic messenger server, the censor proxy and the messenger client on ephemeral "
                + "loopback ports, steps the censor through the timeline, checks each phase's expectations and "
                + "writes report.html, junit.xml and report.json. "
                + "Exit code 0 when every expectation held, 1 otherwise.",
        mixinStandardHelpOptions = true)
final class DemoCommand implements Callable<Integer> {

    /** The default scenario, relative to the censorsim checkout. */
    static final Path DEFAULT_SCENARIO = Path.of("scenarios", "whatsapp-2025-26.yaml");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = "target/censorsim-report",
            description = "Reports go to DIR/<scenario>/ (default: ${DEFAULT-VALUE}).")
    Path reportDir;

    @Option(names = "--time-scale", paramLabel = "FACTOR",
            description = "Shorten the timeline by this factor in (0, 1]; 0.5 halves every phase.")
    Double timeScale;

    @Override
    public Integer call() {
        if (timeScale != null && !(timeScale > 0 && timeScale <= 1)) {
            throw new CliException(ExitCodes.BAD_INPUT, "--time-scale must be in (0, 1], got " + timeScale);
        }
        Scenario scenario = ScenarioFiles.load(locate());
        if (timeScale != null) {
            scenario = scenario.withTimeScale(timeScale);
        }
        return ScenarioRunCommand.runAll(List.of(scenario), new LocalScenarioRunner(), reportDir,
                spec.commandLine().getOut());
    }

    /**
     * The default scenario under the working directory, else under the checkout the launcher runs from
     * ({@code -Dcensorsim.home}), else next to the jar ({@code simulator-cli/target/censorsim.jar}), else the copy
     * bundled in the jar (so {@code java -jar censorsim.jar demo} works from any directory).
     */
    static Path locate() {
        Path here = DEFAULT_SCENARIO;
        if (Files.isRegularFile(here)) {
            return here;
        }
        String home = System.getProperty("censorsim.home");
        if (home != null && Files.isRegularFile(Path.of(home).resolve(DEFAULT_SCENARIO))) {
            return Path.of(home).resolve(DEFAULT_SCENARIO);
        }
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve(DEFAULT_SCENARIO))) {
                    return dir.resolve(DEFAULT_SCENARIO);
                }
            }
        } catch (Exception e) {
            // no code source (an unusual class loader): fall through to the bundled copy
        }
        return ScenarioCatalog.directory().resolve(DEFAULT_SCENARIO.getFileName());
    }
}
