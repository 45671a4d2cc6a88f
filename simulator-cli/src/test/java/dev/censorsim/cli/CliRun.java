package dev.censorsim.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs a censorsim command line in-process and captures its exit code, stdout and stderr (read as UTF-8). The
 * writers lend out their byte streams as {@link Main#main} does, so {@code run}'s command output is captured too.
 */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StreamPrintWriter outWriter = new StreamPrintWriter(out, StandardCharsets.UTF_8);
        StreamPrintWriter errWriter = new StreamPrintWriter(err, StandardCharsets.UTF_8);
        int code = Main.run(args, outWriter, errWriter);
        outWriter.flush();
        errWriter.flush();
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
