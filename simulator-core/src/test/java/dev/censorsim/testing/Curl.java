package dev.censorsim.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Runs the real {@code curl} with a hard timeout; fails with an install hint when curl is missing. */
public final class Curl {

    private Curl() {
    }

    /** {@code curl -sS --max-time 10 <args>}; returns the exit code and output. */
    public static ProcessResult run(String... args) throws IOException, InterruptedException {
        Tools.require("curl", "apt-get install curl openssl");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--noproxy", ""));
        command.addAll(List.of(args));
        return Processes.run(command, Duration.ofSeconds(20));
    }
}
