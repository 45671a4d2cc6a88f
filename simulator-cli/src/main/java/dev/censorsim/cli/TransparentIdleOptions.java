package dev.censorsim.cli;

import picocli.CommandLine.Option;

import java.time.Duration;

/** The idle timeouts of the transparent front ends ({@code run}, {@code gateway}): one TCP, one UDP. */
final class TransparentIdleOptions {

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m",
            converter = FrontEndOptions.DurationConverter.class,
            description = "Close a TCP flow a rule acted on after this long without a relayed byte; 0s for never "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--udp-idle-timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = UdpOptions.DurationConverter.class,
            description = "A UDP flow with no datagram either way for this long ends (default: ${DEFAULT-VALUE}).")
    Duration udpIdleTimeout;
}
