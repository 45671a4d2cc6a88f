package dev.censorsim.messenger;

import dev.censorsim.call.RtpStreamStats;
import dev.censorsim.call.StunBinding;
import dev.censorsim.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The call workload: one voice call at a time, the next {@link MessengerCalls#gap()} after the previous one ended.
 * Everything runs on the chat connection's event loop (the calls are signalled there), so the state needs no locks.
 *
 * <p>A call goes as a messenger's does:
 * <ol>
 *   <li>CALL on the chat connection, offered again every {@value #REOFFER_MILLIS} ms until the server's CALL_OK (the
 *       chat connection may be down or replaced meanwhile);</li>
 *   <li>a STUN Binding request to the media address from a fresh UDP port, retransmitted with the same transaction
 *       ID at 100, 200, 400, 800 ms intervals (RFC 8489 §6.2.1's doubling, started low as ICE paces its checks);</li>
 *   <li>once answered, RTP at 50 packets/s, which the server echoes. The call is set up when the first echo comes
 *       back, and lasts {@link MessengerCalls#duration()} from then unless it goes silent for
 *       {@link MessengerCalls#dropSilence()}, which is a drop.</li>
 * </ol>
 * A call not set up within {@link MessengerCalls#setupTimeout()} fails, or, with the TCP fallback, is tried once more
 * over a TLS connection that carries each RTP packet as a frame.
 *
 * <p>Each packet's fate is decided once: echoed within {@link #LATE_NANOS}, or lost. A jitter buffer would give up on
 * it far sooner, so "lost" here never hides a late packet behind an optimistic figure.
 */
final class CallSession {

    /** An echo later than this counts the packet as lost. */
    static final long LATE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long REOFFER_MILLIS = 250;
    private static final long STUN_FIRST_RTO_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STUN_MAX_RTO_NANOS = TimeUnit.MILLISECONDS.toNanos(800);
    /** Send times by sequence number: 2.56 s of packets, more than {@link #LATE_NANOS}, so a slot is always free. */
    private static final int RING = 128;
    private static final int STUN_BINDING_SUCCESS = 0x0101;
    private static final int STUN_REQUEST_BYTES = 64;
    private static final int SOCKET_BUFFER_BYTES = 256 * 1024;

    private final MessengerCalls settings;
    private final ChatSession chat;
    private final MessengerConnector connector;
    private final MessengerMetrics metrics;
    private final EventLoop loop;
    private final Random random;
    private final Bootstrap udp;
    private final InetSocketAddress localBind;
    private long nextCallId = 1;
    private Call current;
    private ScheduledFuture<?> nextCall;
    private boolean closed;

    CallSession(MessengerCalls settings, ChatSession chat, MessengerConnector connector, MessengerMetrics metrics,
                EventLoop loop, long seed) {
        this.settings = settings;
        this.chat = chat;
        this.connector = connector;
        this.metrics = metrics;
        this.loop = loop;
        this.random = new Random(seed);
        this.udp = new Bootstrap()
                .group(loop)
                .channelFactory(() -> Transport.current().newDatagramChannel(settings.media()))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        this.localBind = UdpSource.toward(settings.media());
    }

    void start() {
        loop.execute(this::placeCall);
    }

    /** The server accepted call {@code callId}; on the event loop, from the chat connection. */
    void answered(long callId) {
        Call call = current;
        if (call != null && call.id == callId) {
            call.answered();
        }
    }

    /** Ends the current call uncounted and places no more. */
    void close() {
        if (loop.inEventLoop()) {
            closeNow();
        } else {
            loop.execute(this::closeNow);
        }
    }

    private void closeNow() {
        closed = true;
        if (nextCall != null) {
            nextCall.cancel(false);
        }
        if (current != null) {
            current.end(false);
        }
    }

    private void placeCall() {
        if (closed) {
            return;
        }
        current = new Call(nextCallId++);
        current.begin();
    }

    private void ended(Call call) {
        if (current == call) {
            current = null;
            if (!closed) {
                nextCall = loop.schedule(this::placeCall, settings.gap().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** One call; its timers and channels are cancelled and closed when it ends. */
    private final class Call {
        final long id;
        final long startNanos = System.nanoTime();
        final long startPhase = metrics.phase();
        final int ssrc = random.nextInt();
        final byte[] stunTransaction = new byte[StunBinding.TRANSACTION_ID_BYTES];
        final byte[] stunReceived = new byte[StunBinding.TRANSACTION_ID_BYTES];
        final RtpStreamStats stats = new RtpStreamStats(CallPackets.CLOCK_RATE);
        final long[] sentAt = new long[RING];
        int sequence = random.nextInt(1 << 16);
        int oldestUnresolved = sequence;
        long timestamp = random.nextInt() & 0xffffffffL;
        long stunRtoNanos = STUN_FIRST_RTO_NANOS;
        long firstDatagramNanos;
        long lastMediaNanos;
        boolean answered;
        boolean marked;
        boolean mediaStarted;
        boolean established;
        boolean onRelay;
        boolean ended;
        Channel udpChannel;
        Channel relay;
        ScheduledFuture<?> setupTimer;
        ScheduledFuture<?> offerTimer;
        ScheduledFuture<?> stunTimer;
        ScheduledFuture<?> ticker;
        ScheduledFuture<?> endTimer;

        Call(long id) {
            this.id = id;
            random.nextBytes(stunTransaction);
        }

        void begin() {
            setupTimer = loop.schedule(this::setupTimedOut, settings.setupTimeout().toNanos(), TimeUnit.NANOSECONDS);
            offerTimer = loop.scheduleAtFixedRate(this::offer, 0, REOFFER_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void offer() {
            if (answered || ended) {
                offerTimer.cancel(false);
                return;
            }
            chat.signal(MessengerFrame.CALL, id);
        }

        void answered() {
            if (answered || ended || onRelay) {
                return;
            }
            answered = true;
            offerTimer.cancel(false);
            udp.clone().handler(new UdpMediaHandler(this)).bind(localBind).addListener(f -> {
                Channel ch = ((ChannelFuture) f).channel();
                if (!f.isSuccess()) {
                    return; // no UDP socket: the set-up timer fails the call or falls back
                }
                if (ended || onRelay) {
                    ch.close();
                    return;
                }
                udpChannel = ch;
                sendStun();
            });
        }

        private void sendStun() {
            if (ended || mediaStarted || onRelay) {
                return;
            }
            if (firstDatagramNanos == 0) {
                firstDatagramNanos = System.nanoTime();
            }
            ByteBuf request = udpChannel.alloc().buffer(STUN_REQUEST_BYTES);
            StunBinding.writeRequest(request, stunTransaction);
            udpChannel.writeAndFlush(new DatagramPacket(request, settings.media()));
            stunTimer = loop.schedule(this::sendStun, stunRtoNanos, TimeUnit.NANOSECONDS);
            stunRtoNanos = Math.min(stunRtoNanos * 2, STUN_MAX_RTO_NANOS);
        }

        void stunAnswered(ByteBuf response) {
            if (mediaStarted || onRelay || ended
                    || StunBinding.readType(response, stunReceived) != STUN_BINDING_SUCCESS
                    || !Arrays.equals(stunReceived, stunTransaction)) {
                return;
            }
            stunTimer.cancel(false);
            startMedia();
        }

        private void startMedia() {
            mediaStarted = true;
            long now = System.nanoTime();
            if (firstDatagramNanos == 0) {
                firstDatagramNanos = now;
            }
            lastMediaNanos = now;
            ticker = loop.scheduleAtFixedRate(this::tick, 0, CallPackets.FRAME_NANOS, TimeUnit.NANOSECONDS);
        }

        private void tick() {
            if (ended) {
                return;
            }
            long now = System.nanoTime();
            resolveLate(now);
            if (established && now - lastMediaNanos > settings.dropSilence().toNanos()) {
                metrics.callDropped(lastMediaNanos - firstDatagramNanos, now, startPhase);
                end(false);
                return;
            }
            sendPacket(now);
        }

        private void sendPacket(long now) {
            Channel ch = onRelay ? relay : udpChannel;
            if (ch == null) {
                return;
            }
            int size = CallPackets.MIN_PAYLOAD_BYTES
                    + random.nextInt(CallPackets.MAX_PAYLOAD_BYTES - CallPackets.MIN_PAYLOAD_BYTES + 1);
            // A packet that cannot leave now (a dead socket, or a TLS relay that is not writable) is not queued: a
            // real-time sender skips it, and the listener hears a gap, which is what counting it lost says.
            if (ch.isActive() && ch.isWritable()) {
                ByteBuf rtp = ch.alloc().buffer(CallPackets.RTP_HEADER_BYTES + size);
                CallPackets.writeRtp(rtp, !marked, sequence, timestamp, ssrc, now, size); // M: the talkspurt's start
                marked = true;
                if (onRelay) {
                    ch.writeAndFlush(MessengerFrame.rtp(ch.alloc(), rtp));
                    rtp.release();
                } else {
                    ch.writeAndFlush(new DatagramPacket(rtp, settings.media()));
                }
            }
            sentAt[sequence & (RING - 1)] = now;
            metrics.callPacketSent();
            sequence = (sequence + 1) & 0xffff;
            timestamp = (timestamp + CallPackets.SAMPLES_PER_FRAME) & 0xffffffffL;
        }

        /** Counts as lost every packet still unechoed {@link #LATE_NANOS} after it was sent. */
        private void resolveLate(long now) {
            while (oldestUnresolved != sequence) {
                int slot = oldestUnresolved & (RING - 1);
                long sent = sentAt[slot];
                if (sent != 0) {
                    if (now - sent < LATE_NANOS) {
                        return;
                    }
                    sentAt[slot] = 0;
                    metrics.callPacketLost();
                }
                oldestUnresolved = (oldestUnresolved + 1) & 0xffff;
            }
        }

        /** Everything still in flight is lost: the UDP leg is abandoned for the relay. */
        private void resolveAllLost() {
            while (oldestUnresolved != sequence) {
                int slot = oldestUnresolved & (RING - 1);
                if (sentAt[slot] != 0) {
                    sentAt[slot] = 0;
                    metrics.callPacketLost();
                }
                oldestUnresolved = (oldestUnresolved + 1) & 0xffff;
            }
        }

        void echoed(ByteBuf rtp) {
            if (ended || CallPackets.ssrc(rtp) != ssrc) {
                return;
            }
            long now = System.nanoTime();
            int seq = CallPackets.sequence(rtp);
            int slot = seq & (RING - 1);
            long sent = sentAt[slot];
            if (sent == 0 || sent != CallPackets.sendNanos(rtp)) {
                return; // a duplicate, or an echo so late its packet was already counted lost
            }
            sentAt[slot] = 0;
            stats.packet(seq, CallPackets.timestamp(rtp), now);
            lastMediaNanos = now;
            double jitter = stats.jitterMillis();
            metrics.callPacketEchoed(now - sent, Double.isNaN(jitter) ? -1 : Math.round(jitter * 1e6));
            if (!established) {
                established = true;
                setupTimer.cancel(false);
                metrics.callSetUp(true, onRelay, now - startNanos, now, startPhase);
                endTimer = loop.schedule(() -> {
                    metrics.callCompleted(startPhase);
                    end(true);
                }, settings.duration().toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private void setupTimedOut() {
            if (ended || established) {
                return;
            }
            if (settings.tcpFallback() && !onRelay) {
                fallBack();
                return;
            }
            metrics.callSetUp(false, onRelay, 0, System.nanoTime(), startPhase);
            end(true);
        }

        /** UDP did not carry the call: relay it over TLS to the relay name, with a set-up budget of its own. */
        private void fallBack() {
            onRelay = true;
            answered = true;
            cancel(offerTimer);
            cancel(stunTimer);
            cancel(ticker);
            mediaStarted = false;
            resolveAllLost();
            if (udpChannel != null) {
                udpChannel.close();
                udpChannel = null;
            }
            setupTimer = loop.schedule(this::setupTimedOut, settings.setupTimeout().toNanos(), TimeUnit.NANOSECONDS);
            connector.connect(loop, settings.relayName()).addListener(f -> {
                if (!f.isSuccess()) {
                    if (!ended && !established) {
                        setupTimer.cancel(false);
                        metrics.callSetUp(false, true, 0, System.nanoTime(), startPhase);
                        end(true);
                    }
                    return;
                }
                Channel ch = (Channel) f.getNow();
                if (ended) {
                    ch.close();
                    return;
                }
                relay = ch;
                ch.pipeline().addLast(MessengerPipeline.FRAMES, MessengerFrame.decoder());
                ch.pipeline().addLast(MessengerPipeline.SESSION, new RelayMediaHandler(this));
                startMedia();
            });
        }

        /**
         * Ends the call: timers cancelled, sockets closed, the server told. {@code hangUp} is false when the client
         * is closing, which is no censor's doing.
         */
        void end(boolean hangUp) {
            if (ended) {
                return;
            }
            ended = true;
            cancel(setupTimer);
            cancel(offerTimer);
            cancel(stunTimer);
            cancel(ticker);
            cancel(endTimer);
            if (udpChannel != null) {
                udpChannel.close();
            }
            if (relay != null) {
                relay.close();
            }
            if (hangUp) {
                chat.signal(MessengerFrame.HANGUP, id);
            }
            ended(this);
        }

        private void cancel(ScheduledFuture<?> timer) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }

    /** The call's UDP socket: the STUN answer, then the echoed RTP. */
    private static final class UdpMediaHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Call call;

        UdpMediaHandler(Call call) {
            this.call = call;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf content = packet.content();
            if (CallPackets.isRtp(content)) {
                call.echoed(content);
            } else {
                call.stunAnswered(content);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // An ICMP error for one datagram; the call's own timers decide whether it lives.
        }
    }

    /** The call's TLS relay: each RTP frame the server echoes. */
    private static final class RelayMediaHandler extends ChannelInboundHandlerAdapter {
        private final Call call;

        RelayMediaHandler(Call call) {
            this.call = call;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                if (MessengerFrame.type(frame) == MessengerFrame.RTP) {
                    ByteBuf rtp = frame.slice(frame.readerIndex() + MessengerFrame.HEADER_BYTES,
                            MessengerFrame.bodyLength(frame));
                    if (CallPackets.isRtp(rtp)) {
                        call.echoed(rtp);
                    }
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset ends the relay; the silence that follows drops the call
        }
    }
}
