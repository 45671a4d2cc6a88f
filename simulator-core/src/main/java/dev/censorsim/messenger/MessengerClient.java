package dev.censorsim.messenger;

import dev.censorsim.metrics.TimeSample;
import dev.censorsim.net.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The synthetic messenger client: runs the chat, media and call workload of its {@link MessengerClientOptions} on Netty
 * event loops (no thread per message or transfer) from {@link #start} until {@link #close()}, through whatever sits
 * between it and the server.
 *
 * <pre>{@code
 * try (MessengerClient client = MessengerClient.start(options)) {
 *     Thread.sleep(5_000);
 *     client.policyChanging();                    // what is decided from here to the cut counts nowhere
 *     policy.swap(blocking);
 *     proxy.reevaluate().get();                   // every live flow is now under the blocking policy
 *     MessengerSnapshot open = client.cut();      // the first phase
 *     Thread.sleep(5_000);
 *     MessengerSnapshot blocked = client.cut();   // the second
 * }
 * }</pre>
 *
 * <p>Thread-safety: every public method may be called from any thread except the client's own event loops.
 */
public final class MessengerClient implements AutoCloseable {

    private static final long SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 2_000;

    private final EventLoopGroup group;
    private final MessengerMetrics metrics;
    private final ChatSession chat;
    private final List<MediaWorker> media;
    private final CallSession calls;
    private final List<TimeSample> samples = new ArrayList<>();
    private final ScheduledFuture<?> sampler;
    private final MessengerResolver resolver;
    private final QuicFirst quic;
    private volatile boolean closed;

    private MessengerClient(MessengerClientOptions options) {
        SslContext ssl = clientContext(options.trust());
        long start = System.nanoTime();
        this.metrics = new MessengerMetrics(start, options.chatEnabled() ? ChatSession.periodNanos(options) : 0,
                options.mediaEnabled(), options.dns() != null);
        // Before any thread starts: throws when the native QUIC library does not load here.
        this.quic = options.quic() == null ? null
                : new QuicFirst(options.quic(), options.trust(), options.noSni(), metrics);
        if (quic != null) {
            metrics.quicEnabled();
        }
        this.group = Transport.current().newGroup(options.ioThreads(), "censorsim-messenger-client");
        this.resolver = options.dns() == null ? null : new MessengerResolver(options.dns(), metrics);
        MessengerConnector connector = new MessengerConnector(options, ssl, metrics, resolver, quic,
                new Random(options.seed()), () -> closed);
        if (resolver != null && options.dns().doh() != null) {
            resolver.doh(new DohClient(options.dns().doh(), options.dns().timeout().toNanos(),
                    connector::connectOnce));
        }
        // Chat gets the first loop to itself when there are two or more, so media copying never delays an ack.
        EventLoop chatLoop = group.next();
        this.chat = options.chatEnabled() ? new ChatSession(options, connector, metrics, chatLoop, start) : null;
        if (options.callsEnabled()) {
            // Calls share the chat loop: they are signalled on its connection, and 50 packets/s each way is light.
            metrics.callsEnabled();
            this.calls = new CallSession(options.calls(), chat, connector, metrics, chatLoop, options.seed());
            chat.calls(calls);
        } else {
            this.calls = null;
        }
        this.media = new ArrayList<>();
        if (options.mediaEnabled()) {
            for (int i = 0; i < options.mediaConcurrency(); i++) {
                EventLoop loop = group.next();
                if (loop == chatLoop && options.ioThreads() > 1) {
                    loop = group.next();
                }
                media.add(new MediaWorker(options, connector, metrics, loop));
            }
        }
        this.sampler = chatLoop.scheduleAtFixedRate(this::sample, SAMPLE_NANOS, SAMPLE_NANOS, TimeUnit.NANOSECONDS);
    }

    /**
     * Starts the workload and returns at once; the figures start from now.
     *
     * @throws IllegalStateException when {@code options} asks for QUIC and Netty's native QUIC does not load here
     */
    public static MessengerClient start(MessengerClientOptions options) {
        MessengerClient client = new MessengerClient(options);
        if (client.chat != null) {
            client.chat.start();
        }
        client.media.forEach(MediaWorker::start);
        if (client.calls != null) {
            client.calls.start();
        }
        return client;
    }

    private static SslContext clientContext(MessengerTrust trust) {
        try {
            return SslContextBuilder.forClient()
                    .trustManager(trust.authorities().toArray(new X509Certificate[0]))
                    .endpointIdentificationAlgorithm("HTTPS")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the client TLS context: " + e.getMessage(), e);
        }
    }

    private void sample() {
        TimeSample sample = metrics.sample(System.nanoTime());
        synchronized (samples) {
            samples.add(sample);
        }
    }

    /**
     * Ends the current interval and returns its figures; the next interval starts now. Use it at phase boundaries.
     */
    public MessengerSnapshot cut() {
        return metrics.cut(System.nanoTime());
    }

    /**
     * Announces that the censor's policy is about to change and that a {@link #cut} will follow: connection attempts,
     * transfers and calls begun from now on belong to the next interval, and those that end before the cut count in
     * neither (they ran under the next policy, or under both). Call it just before the swap; without it, the gap
     * between swap and cut is counted in the interval being closed.
     */
    public void policyChanging() {
        metrics.policyChanging();
    }

    /**
     * Forgets that QUIC was marked broken, as a restarted app would: the next connection tries QUIC again. The
     * scenario runner calls it during its warm-up, where a cold JVM's first handshakes can miss the QUIC timeout.
     * Does nothing without QUIC first.
     */
    public void forgetBrokenQuic() {
        if (quic != null) {
            quic.forgetBroken();
        }
    }

    /** One sample per second since the start, oldest first. */
    public List<TimeSample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Stops the workload, closes every connection and stops the threads; returns within a few seconds. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sampler.cancel(false);
        if (calls != null) {
            calls.close();
        }
        if (chat != null) {
            chat.close();
        }
        media.forEach(MediaWorker::close);
        if (resolver != null) {
            // Before the loops stop: lookups still in flight end here, and their listeners need a running loop.
            resolver.close();
        }
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    }
}
