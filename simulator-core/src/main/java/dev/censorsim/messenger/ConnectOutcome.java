package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Locale;

/** How one connection attempt (TCP connect, SOCKS if any, TLS handshake) ended, as the app would see it. */
public enum ConnectOutcome {
    /** The TLS handshake completed and the server's certificate verified. */
    OK(Metric.CONNECT_OK),
    /** A TCP RST ended the attempt: what an SNI-reset censor does. */
    RESET(Metric.CONNECT_RESET),
    /** No handshake within the connect timeout: a black hole, or a lost SYN. */
    TIMEOUT(Metric.CONNECT_TIMEOUT),
    /** The TCP connect (or the SOCKS proxy's) was refused. */
    REFUSED(Metric.CONNECT_REFUSED),
    /** Anything else: a TLS alert or certificate failure, an early close, an unroutable name. */
    OTHER(Metric.CONNECT_OTHER);

    private final Metric metric;

    ConnectOutcome(Metric metric) {
        this.metric = metric;
    }

    /** The counter this outcome is reported under. */
    public Metric metric() {
        return metric;
    }

    /**
     * Classifies a failure from the exception the transport raised. The order matters: Netty's
     * {@link ConnectTimeoutException} is a {@link ConnectException}, and a RST during the handshake often surfaces
     * wrapped in an {@code SSLException}, so the cause chain is searched for the reset first.
     */
    public static ConnectOutcome classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            // NIO says "Connection reset", native transports "Connection reset by peer"; a write after the RST
            // fails with EPIPE ("Broken pipe") instead.
            if (message.contains("connection reset") || message.contains("broken pipe")) {
                return RESET;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectTimeoutException || t instanceof SslHandshakeTimeoutException
                    || t instanceof SocketTimeoutException) {
                return TIMEOUT;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return REFUSED;
            }
        }
        return OTHER;
    }
}
