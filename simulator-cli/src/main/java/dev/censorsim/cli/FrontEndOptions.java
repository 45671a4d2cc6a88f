package dev.censorsim.cli;

import dev.censorsim.policy.Durations;
import dev.censorsim.proxy.ProxyOptions;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * Options every proxy front end takes: where to listen, which clients to admit, the policy, how long idle flows live,
 * and {@code --verbose}.
 */
public final class FrontEndOptions {

    @Mixin
    VerboseOption verbose;

    @Mixin
    PolicyOption policy;

    @Mixin
    ListenOptions listen;

    @Mixin
    PcapOption pcap;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "Close a flow a rule acted on (black-holed, frozen, throttled, delayed) after this long "
                    + "without a relayed byte, with a FIN to both sides; 0s for never (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--pass-idle-timeout", paramLabel = "DURATION", defaultValue = "0s",
            converter = DurationConverter.class,
            description = "The same for flows no rule acted on; 0s for never (default: ${DEFAULT-VALUE}).")
    Duration passIdleTimeout;

    /** Applies the flow-lifetime options and {@code --pcap} (opening the file) to {@code front}. */
    ProxyOptions.Builder applyTo(ProxyOptions.Builder front) {
        return front.idleTimeout(idleTimeout).passIdleTimeout(passIdleTimeout).capture(pcap.open());
    }

    /** {@code 200ms}, {@code 30s}, {@code 5m}: the policy files' duration syntax, a unit always required. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Duration.ofNanos(Durations.parseNanos(value));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
