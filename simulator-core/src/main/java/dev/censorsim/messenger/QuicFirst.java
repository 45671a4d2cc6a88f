package dev.censorsim.messenger;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client's QUIC-first step ({@link MessengerQuic}): one real Initial per connection, the server's Retry as the
 * answer, and a "broken" mark after an unanswered one. Shared by the client's event loops; each probe runs on the
 * loop of the connection it precedes.
 */
final class QuicFirst {

    private final MessengerQuic settings;
    private final MessengerMetrics metrics;
    private final Random random;
    private final Bootstrap udp;
    private final InetSocketAddress localBind;
    /** {@link System#nanoTime()} until which QUIC counts as broken. */
    private final AtomicLong brokenUntil;

    QuicFirst(MessengerQuic settings, MessengerMetrics metrics, long seed) {
        this.settings = settings;
        this.metrics = metrics;
        this.random = new Random(seed);
        this.udp = new Bootstrap()
                .channelFactory(() -> Transport.current().newDatagramChannel(settings.udp()));
        this.localBind = UdpSource.toward(settings.udp());
        this.brokenUntil = new AtomicLong(System.nanoTime());
    }

    /**
     * Sends an Initial for {@code name} and completes on {@code loop} with whether the server answered in time;
     * completes with {@code false} at once, without sending, while QUIC is marked broken.
     */
    Future<Boolean> probe(EventLoop loop, String name) {
        Promise<Boolean> result = loop.newPromise();
        long phase = metrics.phase();
        if (System.nanoTime() - brokenUntil.get() < 0) {
            metrics.quicEnded(QuicOutcome.SKIPPED, phase);
            result.setSuccess(false);
            return result;
        }
        byte[] dcid = new byte[QuicFirstFlight.CONNECTION_ID_BYTES];
        byte[] scid = new byte[QuicFirstFlight.CONNECTION_ID_BYTES];
        byte[] initial;
        synchronized (random) {
            random.nextBytes(dcid);
            random.nextBytes(scid);
            initial = QuicFirstFlight.clientInitial(name, dcid, scid, random);
        }
        Probe probe = new Probe(result, phase, dcid, scid);
        udp.clone().group(loop).handler(probe).bind(localBind).addListener(f -> {
            if (!f.isSuccess()) {
                probe.finish(false);
                return;
            }
            Channel ch = ((ChannelFuture) f).channel();
            probe.channel = ch;
            if (probe.finished) {
                ch.close();
                return;
            }
            ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(initial), settings.udp()));
        });
        probe.timer = loop.schedule(() -> probe.finish(false), settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        return result;
    }

    /** How a connection's QUIC step ended. */
    enum QuicOutcome {
        /** The server's Retry came back in time. */
        ANSWERED,
        /** Nothing came back in time: TCP/TLS after the timeout. */
        FALLBACK,
        /** QUIC was marked broken: straight to TCP/TLS. */
        SKIPPED
    }

    /** One Initial in flight: its IDs, its socket and its timer; everything on one event loop. */
    private final class Probe extends SimpleChannelInboundHandler<DatagramPacket> {
        final Promise<Boolean> result;
        final long phase;
        final byte[] dcid;
        final byte[] scid;
        Channel channel;
        ScheduledFuture<?> timer;
        boolean finished;

        Probe(Promise<Boolean> result, long phase, byte[] dcid, byte[] scid) {
            this.result = result;
            this.phase = phase;
            this.dcid = dcid;
            this.scid = scid;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            if (QuicFirstFlight.isRetryFor(packet.content(), dcid, scid)) {
                finish(true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // An ICMP error for the Initial: the timer decides, as it would for silence.
        }

        void finish(boolean answered) {
            if (finished) {
                return;
            }
            finished = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            if (!answered) {
                brokenUntil.set(System.nanoTime() + settings.brokenFor().toNanos());
            }
            metrics.quicEnded(answered ? QuicOutcome.ANSWERED : QuicOutcome.FALLBACK, phase);
            result.trySuccess(answered);
        }
    }
}
