package dev.censorsim.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A named input file that cannot be used: missing, not a regular file, over its size limit, or not UTF-8. The message
 * reads {@code "<path>: <detail>"}.
 */
public final class InputFileException extends IOException {

    private final String detail;

    public InputFileException(Path file, String detail) {
        super(file + ": " + detail);
        this.detail = detail;
    }

    /** What is wrong, without the path: for callers that prefix their own {@code file:line:col}. */
    public String detail() {
        return detail;
    }
}
