package dev.censorsim.policy;

/**
 * A policy file that cannot be compiled. The message reads {@code "<file>:<line>:<column>: <what was expected>"}, the
 * layout compilers use, so editors and CI logs can jump to the offending node.
 */
public final class PolicyException extends Exception {

    private final String file;
    private final int line;
    private final int column;
    private final String detail;

    /**
     * @param file   the source name (a path as given, or a label such as {@code "<inline>"})
     * @param line   1-based line of the offending node; 0 when the problem has no position (e.g. an unreadable file)
     * @param column 1-based column of the offending node; 0 when unknown
     * @param detail what was expected, without the position prefix
     */
    public PolicyException(String file, int line, int column, String detail) {
        super(file + ":" + line + ":" + column + ": " + detail);
        this.file = file;
        this.line = line;
        this.column = column;
        this.detail = detail;
    }

    /** Like {@link #PolicyException(String, int, int, String)}, keeping the underlying cause for {@code --verbose}. */
    public PolicyException(String file, int line, int column, String detail, Throwable cause) {
        this(file, line, column, detail);
        initCause(cause);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The message without the {@code file:line:column: } prefix. */
    public String detail() {
        return detail;
    }
}
