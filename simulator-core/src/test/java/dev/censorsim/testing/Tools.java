package dev.censorsim.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that an external tool a test drives is installed, and fails (never skips) with how to install it. */
public final class Tools {

    private Tools() {
    }

    /**
     * Returns the tool's path on {@code PATH}.
     *
     * @throws AssertionError naming the install command when the tool is missing
     */
    public static Path require(String tool, String installHint) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, tool);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new AssertionError("'" + tool + "' is not installed but this test drives it; install it with: "
                + installHint);
    }
}
