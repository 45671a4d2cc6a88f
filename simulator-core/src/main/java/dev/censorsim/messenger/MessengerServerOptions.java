package dev.censorsim.messenger;

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
 */
public record MessengerServerOptions(InetSocketAddress listen, List<String> names, int ioThreads) {

    public MessengerServerOptions {
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
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every setter is optional except {@link #names(List)}. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private List<String> names = List.of();
        private int ioThreads = 1;

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

        public MessengerServerOptions build() {
            return new MessengerServerOptions(listen, names, ioThreads);
        }
    }
}
