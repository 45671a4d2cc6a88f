package dev.censorsim.cli;

import picocli.CommandLine.Mixin;

/** Options every proxy front end takes: where to listen, which clients to admit, the policy, and {@code --verbose}. */
public final class FrontEndOptions {

    @Mixin
    VerboseOption verbose;

    @Mixin
    PolicyOption policy;

    @Mixin
    ListenOptions listen;
}
