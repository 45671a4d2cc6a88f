package dev.censorsim.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command with a hard timeout, capturing its output through files so it can never block on a pipe. */
public final class Processes {

    private Processes() {
    }

    public static ProcessResult run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("censorsim-out", ".txt");
        Path err = Files.createTempFile("censorsim-err", ".txt");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(command.get(0) + " did not finish within " + timeout + ": "
                        + String.join(" ", command));
            }
            return new ProcessResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
