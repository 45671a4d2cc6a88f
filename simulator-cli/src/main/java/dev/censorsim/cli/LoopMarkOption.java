package dev.censorsim.cli;

import picocli.CommandLine.Option;

/**
 * Shared {@code --no-loop-mark}: upstream connections towards IPv4 loopback connect from the target's own loopback
 * address instead of the hop-counting {@code 127.67.83.h} ({@code LoopGuard}), for backends that admit only
 * {@code 127.0.0.1}. Arriving connections are still refused at eight hops.
 */
public final class LoopMarkOption {

    @Option(names = "--no-loop-mark",
            description = "Connect to loopback upstreams from 127.0.0.1 (the target's own address), not from "
                    + "127.67.83.x, the hop count that stops a loop between censorsim processes: for backends that "
                    + "admit only 127.0.0.1 (pg_hba.conf, Redis protected mode, nginx allow). Arrivals are still "
                    + "refused at 8 hops.")
    boolean noLoopMark;

    /** Whether upstream connections carry the hop count: {@code true} unless {@code --no-loop-mark} was given. */
    boolean loopMark() {
        return !noLoopMark;
    }
}
