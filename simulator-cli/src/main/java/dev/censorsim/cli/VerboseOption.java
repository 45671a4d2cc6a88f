package dev.censorsim.cli;

import picocli.CommandLine.Option;

/** Shared {@code --verbose} flag: adds stack traces to errors. */
public final class VerboseOption {

    @Option(names = "--verbose", description = "Print stack traces with errors.")
    boolean verbose;
}
