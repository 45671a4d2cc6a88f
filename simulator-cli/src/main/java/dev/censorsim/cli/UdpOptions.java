package dev.censorsim.cli;

import dev.censorsim.units.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The UDP options of {@code proxy} and {@code socks}: whether UDP is censored, and how soon an idle flow ends. */
public final class UdpOptions {

    @Option(names = "--udp",
            description = "proxy: relay UDP instead of TCP, one flow per client address and port. socks: also accept "
                    + "UDP ASSOCIATE (RFC 1928 section 7). UDP rules (drop, drop-after, loss, delay, throttle) apply.")
    boolean enabled;

    @Option(names = "--udp-idle-timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = DurationConverter.class,
            description = "A UDP flow with no datagram either way for this long ends (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    /** {@code 60s}, {@code 500ms}, {@code 2m}: the policy file's duration syntax. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Duration.ofNanos(Durations.parseNanos(value));
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException("expected at least 1ms, got '" + value + "'");
            }
            return d;
        }
    }
}
