package dev.censorsim.messenger;

import dev.censorsim.dns.DnsMessageProcessor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a {@link MessengerServer} listens and which names it answers for.
 *
 * @param listen    where to accept; default {@code 127.0.0.1:0}
 * @param names     DNS names the server holds certificates for, e.g. {@code g.whatsapp.net}; at least one
 * @param ioThreads event-loop threads; default 1
 * @param dohName   a name on which the server answers DNS over HTTPS instead of the messenger protocol (chosen by the
 *                  ClientHello's SNI), or {@code null}; it is added to {@code names}
 * @param doh       answers the DoH queries; {@code null} exactly when {@code dohName} is
 * @param backlog   the TCP listener's accept queue ({@code listen(2)} backlog), at least 1; the kernel caps it at
 *                  {@code net.core.somaxconn}; default {@link #DEFAULT_BACKLOG}
 */
public record MessengerServerOptions(InetSocketAddress listen, List<String> names, int ioThreads, String dohName,
                                     DnsMessageProcessor doh, int backlog) {

    /**
     * Default {@link #backlog()}: the proxy front ends' default (Linux's own {@code net.core.somaxconn} since 5.4), so
     * a connect burst that the censor's listener queues is not dropped by the server behind it (1,024 overflowed
     * ~88,000 times under a 10 k connect burst at the proxy).
     */
    public static final int DEFAULT_BACKLOG = 4096;

    /** A server without DoH. */
    public MessengerServerOptions(InetSocketAddress listen, List<String> names, int ioThreads) {
        this(listen, names, ioThreads, null, null, DEFAULT_BACKLOG);
    }

    public MessengerServerOptions {
        if ((dohName == null) != (doh == null)) {
            throw new IllegalArgumentException("DoH needs both a name and a processor");
        }
        if (dohName != null) {
            dohName = dohName.toLowerCase(Locale.ROOT);
            names = java.util.stream.Stream.concat(names.stream(), java.util.stream.Stream.of(dohName)).toList();
        }
        Objects.requireNonNull(listen, "listen");
        names = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a messenger server needs at least one name");
        }
        for (String name : names) {
            if (!name.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                throw new IllegalArgumentException("not a DNS name: " + name);
            }
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be >= 1, was " + backlog);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every setter is optional except {@link #names(List)}. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private List<String> names = List.of();
        private int ioThreads = 1;
        private String dohName;
        private DnsMessageProcessor doh;
        private int backlog = DEFAULT_BACKLOG;

        private Builder() {
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = listen;
            return this;
        }

        public Builder names(List<String> names) {
            this.names = List.copyOf(names);
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /**
         * Serve DNS over HTTPS on {@code name}: a ClientHello for it gets HTTP/1.1 and RFC 8484 {@code POST
         * /dns-query}, answered by {@code processor}.
         */
        public Builder doh(String name, DnsMessageProcessor processor) {
            this.dohName = name;
            this.doh = processor;
            return this;
        }

        /** The TCP listener's accept queue; see {@link MessengerServerOptions#backlog()}. */
        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        public MessengerServerOptions build() {
            return new MessengerServerOptions(listen, names, ioThreads, dohName, doh, backlog);
        }
    }
}
