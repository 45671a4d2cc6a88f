package dev.censorsim.messenger;

import dev.censorsim.units.Direction;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link MessengerClient} connects to, the workload it runs and the resilience strategies it uses. Build with
 * {@link #builder()}; only {@link Builder#trust(MessengerTrust)} and a way to reach the names (a route or SOCKS5) are
 * required. Chat and media are off until set.
 *
 * @param routes          static name-to-address map: where to dial for each name, e.g. the censor's forward port;
 *                        with SOCKS5, the port (and, without remote DNS, the address) asked of the proxy; with
 *                        {@code dns}, only the port is taken from here (443 when a name has no route)
 * @param socks5          a SOCKS5 proxy to dial through, or {@code null} to dial routes directly
 * @param socksRemoteDns  with SOCKS5: {@code true} asks the proxy for the name (ATYP 3), as Telegram or a browser with
 *                        remote DNS does; {@code false} asks for the routed address
 * @param trust           the CA the server certificates must chain to
 * @param chatName        the name the chat connection is for (SNI and certificate check)
 * @param mediaName       the name media transfers are for
 * @param chatRatePerSecond chat messages per second from a fixed schedule; 0 turns chat off
 * @param chatMessageBytes  chat payload bytes per message
 * @param ackTimeout      a message not acknowledged this long after its intended send time is timed out
 * @param mediaBytes      payload bytes per media transfer; 0 turns media off
 * @param mediaDirection  {@link Direction#DOWN} (download) or {@link Direction#UP} (upload)
 * @param mediaConcurrency transfers in flight at once, each on its own connection
 * @param mediaTimeout    a transfer with no progress for this long fails
 * @param churn           close and reopen the chat connection this often; {@code null} for a long-lived connection
 * @param connectTimeout  one attempt's budget for TCP connect, SOCKS and TLS handshake together
 * @param keepalive       chat keepalive interval; a connection silent for two intervals is dead
 * @param seed            seeds the jitter, so runs repeat
 * @param retry           retry with backoff; {@link RetryPolicy#NONE} for one attempt per connect
 * @param alternatives    names tried in turn after the primary name fails; the last one that worked is kept
 * @param splitSegments   send the ClientHello in this many TCP segments; 0 or 1 for one
 * @param splitGap        the pause between ClientHello segments
 * @param noSni           leave SNI out of the ClientHello (the certificate is still checked against the name)
 * @param ioThreads       client event-loop threads
 * @param dns             resolve every name through this DNS server before dialling (with SOCKS5 the proxy is then
 *                        asked for the resolved address), or {@code null} to dial the static routes
 * @param calls           voice calls, or {@code null} for none
 * @param quic            a QUIC Initial before each connection, or {@code null} for TCP only
 * @param ech             offer ECH in every ClientHello (see {@link EchGrease}); a failed attempt retries without it
 * @param chatProtocol    the chat connection's wire: TLS, or WhatsApp's Noise framing with TLS inside
 */
public record MessengerClientOptions(Map<String, InetSocketAddress> routes, InetSocketAddress socks5,
                                     boolean socksRemoteDns, MessengerTrust trust, String chatName, String mediaName,
                                     double chatRatePerSecond, int chatMessageBytes, Duration ackTimeout,
                                     long mediaBytes, Direction mediaDirection, int mediaConcurrency,
                                     Duration mediaTimeout, Duration churn, Duration connectTimeout,
                                     Duration keepalive, long seed, RetryPolicy retry, List<String> alternatives,
                                     int splitSegments, Duration splitGap, boolean noSni, int ioThreads,
                                     MessengerDns dns, MessengerCalls calls, MessengerQuic quic, boolean ech,
                                     ChatProtocol chatProtocol) {

    /** The port asked of a SOCKS5 proxy for a name without a route. */
    public static final int DEFAULT_PORT = 443;

    public MessengerClientOptions {
        routes = Map.copyOf(routes);
        Objects.requireNonNull(trust, "trust: the client verifies the server against a CA");
        Objects.requireNonNull(chatName, "chatName");
        Objects.requireNonNull(mediaName, "mediaName");
        alternatives = List.copyOf(alternatives);
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(chatProtocol, "chatProtocol");
        if (socks5 == null) {
            for (String name : names(chatName, alternatives, chatRatePerSecond > 0)) {
                requireRoute(routes, name);
            }
            for (String name : names(mediaName, alternatives, mediaBytes > 0)) {
                requireRoute(routes, name);
            }
        } else if (!socksRemoteDns) {
            for (String name : names(chatName, alternatives, true)) {
                requireRoute(routes, name);
            }
        }
        if (!(chatRatePerSecond >= 0 && chatRatePerSecond <= 100_000)) {
            throw new IllegalArgumentException("chat rate must be within 0..100000 per second, was "
                    + chatRatePerSecond);
        }
        if (chatMessageBytes < 0 || chatMessageBytes > MessengerFrame.MAX_CHAT_PAYLOAD) {
            throw new IllegalArgumentException("chat message bytes must be within 0.." + MessengerFrame.MAX_CHAT_PAYLOAD
                    + ", was " + chatMessageBytes);
        }
        if (mediaBytes < 0) {
            throw new IllegalArgumentException("media bytes must be >= 0, was " + mediaBytes);
        }
        if (mediaDirection != Direction.UP && mediaDirection != Direction.DOWN) {
            throw new IllegalArgumentException("media direction is up or down, was " + mediaDirection);
        }
        if (mediaConcurrency < 1 || mediaConcurrency > 1024) {
            throw new IllegalArgumentException("media concurrency must be within 1..1024, was " + mediaConcurrency);
        }
        requirePositive(ackTimeout, "ackTimeout");
        requirePositive(mediaTimeout, "mediaTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(keepalive, "keepalive");
        if (churn != null) {
            requirePositive(churn, "churn");
        }
        if (splitSegments < 0 || splitSegments > 64) {
            throw new IllegalArgumentException("ClientHello segments must be within 0..64, was " + splitSegments);
        }
        Objects.requireNonNull(splitGap, "splitGap");
        if (splitGap.isNegative()) {
            throw new IllegalArgumentException("splitGap must be >= 0, was " + splitGap);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, was " + ioThreads);
        }
        if (calls != null) {
            if (chatRatePerSecond <= 0) {
                throw new IllegalArgumentException("calls are signalled over the chat connection: turn chat on");
            }
            if (socks5 == null) {
                requireRoute(routes, calls.relayName());
            }
        }
    }

    private static List<String> names(String primary, List<String> alternatives, boolean used) {
        if (!used) {
            return List.of();
        }
        List<String> all = new java.util.ArrayList<>(alternatives);
        all.add(0, primary);
        return all;
    }

    private static void requireRoute(Map<String, InetSocketAddress> routes, String name) {
        if (!routes.containsKey(name)) {
            throw new IllegalArgumentException("no route for " + name + " and no SOCKS5 proxy: add route(" + name
                    + ", address)");
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
    }

    /** The names a connect for {@code primary} tries, primary first. */
    List<String> candidates(String primary) {
        return names(primary, alternatives, true);
    }

    boolean chatEnabled() {
        return chatRatePerSecond > 0;
    }

    boolean callsEnabled() {
        return calls != null;
    }

    boolean mediaEnabled() {
        return mediaBytes > 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: no workload, 5 s connect timeout, no retry, no evasion, a fixed seed. */
    public static final class Builder {
        private final Map<String, InetSocketAddress> routes = new LinkedHashMap<>();
        private InetSocketAddress socks5;
        private boolean socksRemoteDns = true;
        private MessengerTrust trust;
        private String chatName = "g.whatsapp.net";
        private String mediaName = "mmg.whatsapp.net";
        private double chatRatePerSecond;
        private int chatMessageBytes = 64;
        private Duration ackTimeout = Duration.ofSeconds(5);
        private long mediaBytes;
        private Direction mediaDirection = Direction.DOWN;
        private int mediaConcurrency = 1;
        private Duration mediaTimeout = Duration.ofSeconds(15);
        private Duration churn;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration keepalive = Duration.ofSeconds(10);
        private long seed = 1;
        private RetryPolicy retry = RetryPolicy.NONE;
        private List<String> alternatives = List.of();
        private int splitSegments;
        private Duration splitGap = Duration.ofMillis(20);
        private boolean noSni;
        private int ioThreads = 2;
        private MessengerDns dns;
        private MessengerCalls calls;
        private MessengerQuic quic;
        private boolean ech;
        private ChatProtocol chatProtocol = ChatProtocol.TLS;

        private Builder() {
        }

        /** Dial {@code address} for {@code name}. */
        public Builder route(String name, InetSocketAddress address) {
            routes.put(name, Objects.requireNonNull(address, "address"));
            return this;
        }

        /** Dial each name at its address. */
        public Builder route(Map<String, InetSocketAddress> routes) {
            this.routes.putAll(routes);
            return this;
        }

        /** Dial every name through this SOCKS5 proxy, asking it for the name (ATYP 3). */
        public Builder socks5(InetSocketAddress proxy) {
            this.socks5 = proxy;
            return this;
        }

        /** With SOCKS5, ask the proxy for the routed address instead of the name. */
        public Builder socksRemoteDns(boolean remoteDns) {
            this.socksRemoteDns = remoteDns;
            return this;
        }

        public Builder trust(MessengerTrust trust) {
            this.trust = trust;
            return this;
        }

        public Builder chatName(String name) {
            this.chatName = name;
            return this;
        }

        public Builder mediaName(String name) {
            this.mediaName = name;
            return this;
        }

        /** Chat at a fixed rate; each message must be acknowledged within {@code ackTimeout} of its send time. */
        public Builder chat(double ratePerSecond, int messageBytes, Duration ackTimeout) {
            this.chatRatePerSecond = ratePerSecond;
            this.chatMessageBytes = messageBytes;
            this.ackTimeout = ackTimeout;
            return this;
        }

        /** Back-to-back media transfers of {@code bytes}, {@code concurrency} at a time. */
        public Builder media(long bytes, Direction direction, int concurrency) {
            this.mediaBytes = bytes;
            this.mediaDirection = direction;
            this.mediaConcurrency = concurrency;
            return this;
        }

        public Builder mediaTimeout(Duration timeout) {
            this.mediaTimeout = timeout;
            return this;
        }

        /** Reopen the chat connection every {@code interval}; {@code null} keeps it open. */
        public Builder churn(Duration interval) {
            this.churn = interval;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public Builder keepalive(Duration interval) {
            this.keepalive = interval;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Up to {@code attempts} attempts per connect, waiting {@code base * 2^k} (capped, jittered) between. */
        public Builder retry(int attempts, Duration base, Duration max, double jitter) {
            this.retry = new RetryPolicy(attempts, base, max, jitter);
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        /** Names tried in turn when the primary one fails (each needs a route unless SOCKS resolves it). */
        public Builder alternatives(List<String> names) {
            this.alternatives = List.copyOf(names);
            return this;
        }

        /** Send the ClientHello in {@code segments} TCP segments, 20 ms apart. */
        public Builder splitClientHello(int segments) {
            this.splitSegments = segments;
            return this;
        }

        public Builder splitClientHello(int segments, Duration gap) {
            this.splitSegments = segments;
            this.splitGap = gap;
            return this;
        }

        public Builder noSni(boolean noSni) {
            this.noSni = noSni;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Resolve every name through {@code dns} before dialling; {@code null} dials the static routes. */
        public Builder dns(MessengerDns dns) {
            this.dns = dns;
            return this;
        }

        /** Place voice calls one after another; {@code null} for none. */
        public Builder calls(MessengerCalls calls) {
            this.calls = calls;
            return this;
        }

        /** Send a QUIC Initial before each connection, TCP/TLS after; {@code null} for TCP only. */
        public Builder quic(MessengerQuic quic) {
            this.quic = quic;
            return this;
        }

        /**
         * Offer ECH on every connection (the outer extension in GREASE form, see {@link EchGrease}); an attempt that
         * fails while offering it is retried without it, as browsers do.
         */
        public Builder ech(boolean ech) {
            this.ech = ech;
            return this;
        }

        /** The chat connection's wire (media always uses TLS). */
        public Builder chatProtocol(ChatProtocol protocol) {
            this.chatProtocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        public MessengerClientOptions build() {
            return new MessengerClientOptions(routes, socks5, socksRemoteDns, trust, chatName, mediaName,
                    chatRatePerSecond, chatMessageBytes, ackTimeout, mediaBytes, mediaDirection, mediaConcurrency,
                    mediaTimeout, churn, connectTimeout, keepalive, seed, retry, alternatives, splitSegments, splitGap,
                    noSni, ioThreads, dns, calls, quic, ech, chatProtocol);
        }
    }
}
