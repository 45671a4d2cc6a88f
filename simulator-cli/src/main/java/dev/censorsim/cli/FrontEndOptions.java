package dev.censorsim.cli;

import dev.censorsim.units.Durations;
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

    @Mixin
    LoopMarkOption loopMark;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "Close a flow a rule acted on (black-holed, frozen, throttled, delayed) after this long "
                    + "without a relayed byte, with a FIN to both sides; 0s for never (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--pass-idle-timeout", paramLabel = "DURATION", defaultValue = "0s",
            converter = DurationConverter.class,
            description = "The same for flows no rule acted on; 0s for never (default: ${DEFAULT-VALUE}).")
    Duration passIdleTimeout;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Close a SOCKS client that has not sent its complete request within this long of "
                    + "connecting (default: ${DEFAULT-VALUE}).")
    Duration handshakeTimeout;

    @Option(names = "--inspection-timeout", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Longest a flow's first client bytes are held for classification before the verdict is "
                    + "taken on what was seen (default: ${DEFAULT-VALUE}).")
    Duration inspectionTimeout;

    @Option(names = "--max-flows", paramLabel = "N",
            description = "Most client connections open at once; beyond it new clients are reset, with one warning "
                    + "line every 10 s (default: half the process's descriptor limit less 128, so the cap comes "
                    + "before the limit).")
    Integer maxFlows;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "" + ProxyOptions.DEFAULT_BACKLOG,
            description = "Connections the kernel may queue before the proxy accepts them; a connect burst beyond "
                    + "it is dropped. The kernel caps it at net.core.somaxconn (default: ${DEFAULT-VALUE}).")
    int backlog;

    @Option(names = "--io-threads", paramLabel = "N",
            description = "Event-loop threads that relay the flows; each flow stays on one (default: the number of "
                    + "CPUs).")
    Integer ioThreads;

    /**
     * Applies the flow-lifetime options, {@code --backlog}, {@code --io-threads}, {@code --no-loop-mark} and {@code --pcap} (opening the
     * file) to {@code front}.
     */
    ProxyOptions.Builder applyTo(ProxyOptions.Builder front) {
        if (backlog < 1) {
            throw new CliException(ExitCodes.BAD_INPUT, "--backlog must be at least 1, was " + backlog);
        }
        if (ioThreads != null && ioThreads < 1) {
            throw new CliException(ExitCodes.BAD_INPUT, "--io-threads must be at least 1, was " + ioThreads);
        }
        if (ioThreads != null) {
            front.ioThreads(ioThreads);
        }
        return front.backlog(backlog).loopMark(loopMark.loopMark()).idleTimeout(idleTimeout)
                .passIdleTimeout(passIdleTimeout).handshakeTimeout(handshakeTimeout)
                .inspectionTimeout(inspectionTimeout)
                .maxFlows(maxFlows == null ? ProxyOptions.defaultMaxFlows() : maxFlows).capture(pcap.open());
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
