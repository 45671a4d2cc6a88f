package dev.censorsim.cli;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Shared {@code --policy FILE} option: loads and compiles a policy file, or fails with file:line:column. */
public final class PolicyOption {

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Policy file (YAML). Without it, every flow is relayed untouched.")
    Path file;

    CompiledPolicy load() {
        if (file == null) {
            return CompiledPolicy.empty();
        }
        // Only a missing file is reported here; a FIFO or a directory gets the loader's "not a regular file".
        if (!Files.exists(file)) {
            throw new CliException(ExitCodes.BAD_INPUT, file + ": no such policy file");
        }
        try {
            return PolicyLoader.load(file);
        } catch (PolicyException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
    }

    /** The file's text, for the API's {@code GET /censorsim/policy}, or {@code null} without {@code --policy}. */
    String text() {
        if (file == null) {
            return null;
        }
        try {
            return PolicyLoader.readText(file, "policy file");
        } catch (PolicyException e) {
            throw new CliException(ExitCodes.BAD_INPUT, file + ": " + e.detail(), e);
        }
    }

    String describe() {
        return file == null ? "none (relay only)" : file.toString();
    }
}
