package dev.censorsim.cli;

/** The process exit codes every censorsim command uses. */
public final class ExitCodes {
    /** Everything worked, and every expectation held. */
    public static final int OK = 0;
    /** The run worked but an expectation failed. */
    public static final int EXPECTATIONS_FAILED = 1;
    /** Bad input: a malformed file, an unknown option, an unusable argument. */
    public static final int BAD_INPUT = 2;
    /** Something failed at run time: a port in use, an I/O error. */
    public static final int RUNTIME_FAILURE = 3;

    /**
     * A signal stopped a scenario run after the reports of what finished were written: 130, the shell's code for
     * SIGINT. On a real signal the JVM exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), which
     * wins over this value; in-process callers that interrupt the run get this one.
     */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
