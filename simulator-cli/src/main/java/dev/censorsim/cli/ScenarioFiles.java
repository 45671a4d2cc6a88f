package dev.censorsim.cli;

import dev.censorsim.policy.PolicyException;
import dev.censorsim.scenario.Scenario;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loading a scenario file for the CLI: a missing file or a bad one becomes a one-line {@link CliException}. */
final class ScenarioFiles {

    private ScenarioFiles() {
    }

    static Scenario load(Path argument) {
        Path file = ScenarioCatalog.resolve(argument);
        // Only a missing file is reported here; a FIFO or a directory gets the loader's "not a regular file".
        if (!Files.exists(file)) {
            throw new CliException(ExitCodes.BAD_INPUT, file + ": no such scenario file (and no shipped scenario of "
                    + "that name: see 'censorsim scenario list')");
        }
        try {
            return Scenario.load(file);
        } catch (PolicyException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
    }

    /** A time scale as a user writes it: {@code 1}, {@code 0.1}. */
    static String scale(double timeScale) {
        return timeScale == Math.rint(timeScale) ? Long.toString((long) timeScale) : Double.toString(timeScale);
    }
}
