package dev.censorsim.proxy.udp;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.net.Transport;
import dev.censorsim.policy.UdpTreatment;
import dev.censorsim.proxy.LoopGuard;
import dev.censorsim.proxy.RateLimitedWarning;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The forward relay's client side: one handler on the listening datagram channel, owning every flow. A client's first
 * datagram opens its flow with its own upstream socket, connected to the upstream, so the server's replies come back
 * on a socket that already names the client; idle flows are swept on a timer.
 *
 * <p>Threading: the listening channel and every upstream channel are registered on one event loop, so the flow map
 * and the flows are confined to it. Backpressure: {@code AUTO_READ} is off on every channel; the next batch of client
 * datagrams is read only when the last upstream written to can take more, and an upstream channel reads only while
 * the listening channel is writable. Writes are flushed once per read batch, not per datagram: the client batch's
 * writes at its {@code channelReadComplete}, an upstream batch's replies at the upstream's.
 *
 * <p>The pass path allocates nothing of its own per datagram: the flow lookup uses the packet's sender address as
 * the key, the client-to-server write is the bare buffer on a connected socket, and replies travel in envelopes
 * reused through {@link ReplyDatagrams}. What remains is Netty's: its {@code DatagramPacket} per datagram read and,
 * on epoll, the sender's address.
 */
final class UdpFrontendHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(UdpFrontendHandler.class);
    private static final int SOCKET_BUFFER_BYTES = 1 << 20;

    private final RateLimitedWarning noSocket = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    private final RateLimitedWarning capReached = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    private final RateLimitedWarning loopDetected = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);

    private final UdpRelayOptions options;
    private final DatagramClassifier classifier = new DatagramClassifier();
    /** Keyed by the client's address in forward mode, by {@link TransparentKey} in transparent mode. */
    private final Map<Object, UdpFlow> flows = new HashMap<>();
    private final boolean transparent;
    private final CaptureFile capture;
    private final List<Channel> parkedUpstreams = new ArrayList<>();
    private DelayedDatagrams delayed;
    private ReplyDatagrams replies;
    /** Flows whose upstream was written to in the current read batch: flushed together at its end. */
    private final List<UdpFlow> unflushed = new ArrayList<>();
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> sweeper;
    private Channel blockedOn;
    private volatile int liveFlows;
    /** {@link #endAll} ran: the relay is closing, and nothing read from now on opens a flow or waits. */
    private boolean ended;

    /**
     * Opens a flow's upstream socket, connected to {@code server}. The relay opens a real one on its event loop; the
     * pass-path benchmark hands in an embedded channel, to measure the handlers without the kernel.
     */
    interface UpstreamOpener {
        Channel open(InetSocketAddress server, LoopGuard.Path path) throws IOException;
    }

    private final UpstreamOpener opener;

    /** The relay's receive memory on epoll, shared by every socket of its event loop; {@code null} on NIO. */
    private final DatagramBatches.ReceiveArea area;

    UdpFrontendHandler(UdpRelayOptions options, DatagramBatches.ReceiveArea area) {
        this(options, null, area);
    }

    /**
     * @param opener opens each flow's upstream socket; {@code null} for the relay's own (real sockets)
     * @param area   where the relay's epoll sockets read to, or {@code null}: each datagram has its own buffer
     */
    UdpFrontendHandler(UdpRelayOptions options, UpstreamOpener opener, DatagramBatches.ReceiveArea area) {
        this.opener = opener;
        this.area = area;
        this.options = options;
        this.idleNanos = options.idleTimeout().toNanos();
        this.transparent = options.isTransparent();
        this.capture = options.capture();
    }

    /**
     * A transparent flow is one client talking to one original destination (a client socket may talk to several).
     * The map's keys are never changed once stored; {@link #probe} is the one instance re-pointed per datagram for
     * lookups, so the transparent path allocates no key (the addresses themselves come with Netty's packet).
     */
    private static final class TransparentKey {
        private InetSocketAddress client;
        private InetSocketAddress originalDestination;

        TransparentKey(InetSocketAddress client, InetSocketAddress originalDestination) {
            this.client = client;
            this.originalDestination = originalDestination;
        }

        TransparentKey set(InetSocketAddress client, InetSocketAddress originalDestination) {
            this.client = client;
            this.originalDestination = originalDestination;
            return this;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TransparentKey k && client.equals(k.client)
                    && originalDestination.equals(k.originalDestination);
        }

        @Override
        public int hashCode() {
            return 31 * client.hashCode() + originalDestination.hashCode();
        }
    }

    /** Lookup key of {@link #channelRead}; confined to the relay's event loop like the map. */
    private final TransparentKey probe = new TransparentKey(null, null);

    private Object keyOf(UdpFlow flow) {
        return transparent ? new TransparentKey(flow.client, flow.originalDestination) : flow.client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.delayed = new DelayedDatagrams(ctx.executor());
        this.replies = new ReplyDatagrams(ctx.executor());
        // A quarter of the timeout, within [5 ms, 1 s]: a flow ends at most that late after its timeout.
        long period = Math.max(5_000_000L, Math.min(1_000_000_000L, idleNanos / 4));
        sweeper = ctx.executor().scheduleAtFixedRate(this::sweepIdle, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // The listening channel closed (after endAll closed every flow's socket): nothing reads into the area again.
        if (area != null) {
            area.free();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet) || ended) {
            // After endAll the relay is closing: a datagram read before the socket closes opens no flow.
            ReferenceCountUtil.release(msg);
            return;
        }
        final InetSocketAddress sender = packet.sender();
        UdpFlow flow;
        if (transparent) {
            flow = flows.get(probe.set(sender, packet.recipient()));
            probe.set(null, null); // keeps no packet's addresses alive between datagrams
        } else {
            flow = flows.get(sender);
        }
        if (flow == null) {
            flow = openSlowPath(sender, packet.recipient());
            if (flow == null) {
                packet.release();
                return;
            }
        }
        final ByteBuf content = own(packet.content());
        if (capture != null) {
            capture.udp(sender, transparent ? packet.recipient() : (InetSocketAddress) ctx.channel().localAddress(),
                    content);
        }
        final long now = System.nanoTime();
        final long fate = flow.onDatagram(true, content, now);
        final Channel upstream = flow.upstream;
        if (fate == UdpTreatment.FORWARD) {
            // A connected datagram channel takes the bare buffer: no envelope, no address lookup; an unconnected one
            // (epoll, see openUpstream) a reused envelope. Flushed with the rest of the read batch in
            // channelReadComplete, so epoll sends the batch with one sendmmsg(2).
            upstream.write(toServer(flow, content), upstream.voidPromise());
            if (!flow.upstreamUnflushed) {
                flow.upstreamUnflushed = true;
                unflushed.add(flow);
            }
        } else if (fate > 0) {
            delay(flow, upstream, toServer(flow, DatagramBatches.compact(content)), fate);
        } else {
            content.release();
        }
    }

    /**
     * A datagram the relay keeps past {@code channelRead}: read into the receive area (epoll), it is copied into a
     * buffer of its own length and the area's slice released; otherwise it already has a buffer of its own (of 64 KiB
     * on NIO and io_uring: a datagram that is to wait is copied out by {@link DatagramBatches#compact}).
     */
    ByteBuf own(ByteBuf content) {
        return area != null ? DatagramBatches.own(content) : content;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushUpstreams();
        if (blockedOn == null || blockedOn.isWritable() || !blockedOn.isActive()) {
            blockedOn = null;
            ctx.read();
        }
    }

    /**
     * Sends what the read batch wrote to each upstream, one flush per upstream; an upstream that is still over its
     * high-water mark afterwards holds the next batch of client datagrams back.
     */
    private void flushUpstreams() {
        List<UdpFlow> written = unflushed;
        for (int i = 0, n = written.size(); i < n; i++) {
            UdpFlow flow = written.get(i);
            flow.upstreamUnflushed = false;
            Channel upstream = flow.upstream;
            upstream.flush();
            if (!upstream.isWritable() && upstream.isActive()) {
                blockedOn = upstream;
            }
        }
        written.clear();
    }

    /** An upstream channel drained: read clients again if it was the one holding them back. */
    void upstreamWritable(Channel upstream) {
        if (blockedOn == upstream) {
            blockedOn = null;
            ctx.read();
        }
    }

    /** An upstream channel stops reading until the listening channel can take its replies. */
    void park(Channel upstream) {
        parkedUpstreams.add(upstream);
    }

    boolean clientSideWritable(UdpFlow flow) {
        return (flow.replyChannel != null ? flow.replyChannel : ctx.channel()).isWritable();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        clientSideWritabilityChanged(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    /** The listening channel or a transparent reply channel drained: parked upstreams may read again. */
    void clientSideWritabilityChanged(Channel clientSide) {
        if (clientSide.isWritable() && !parkedUpstreams.isEmpty()) {
            for (Channel upstream : parkedUpstreams) {
                upstream.read();
            }
            parkedUpstreams.clear();
        }
    }

    /** Sends a server datagram to its flow's client, now or after the action's delay; takes ownership of it. */
    void toClient(UdpFlow flow, ByteBuf content, long fate) {
        if (ended) {
            content.release(); // a reply read before its flow's socket closed, after endAll
            return;
        }
        Channel front = flow.replyChannel != null ? flow.replyChannel : ctx.channel();
        if (capture != null && fate >= 0) {
            // What the client receives, now or after the action's delay (recorded at the verdict, not the send).
            capture.udp(flow.replyChannel != null ? flow.originalDestination
                    : (InetSocketAddress) ctx.channel().localAddress(), flow.client, content);
        }
        if (fate == UdpTreatment.FORWARD) {
            // Flushed at the end of the upstream's read batch (flushToClient).
            front.write(replies.wrap(content, flow.client), front.voidPromise());
            flow.clientUnflushed = true;
        } else if (fate > 0) {
            delay(flow, front, replies.wrap(DatagramBatches.compact(content), flow.client), fate);
        } else {
            content.release();
        }
    }

    /** Sends the server datagrams an upstream's read batch wrote for its client; at the end of that batch. */
    void flushToClient(UdpFlow flow) {
        if (flow.clientUnflushed) {
            flow.clientUnflushed = false;
            (flow.replyChannel != null ? flow.replyChannel : ctx.channel()).flush();
        }
    }

    /** What to write on the flow's upstream socket: the bare buffer when it is connected, else an envelope. */
    private Object toServer(UdpFlow flow, ByteBuf content) {
        return flow.upstreamConnected ? content : replies.wrap(content, flow.server);
    }

    private void delay(UdpFlow flow, Channel channel, Object message, long delayNanos) {
        delayed.add(flow, channel, message, delayNanos);
    }

    private UdpFlow openSlowPath(InetSocketAddress client, InetSocketAddress recipient) {
        if (!options.allowedClients().allows(client)) {
            LOG.debug("dropping a datagram from {}: not an allowed client", client);
            return null;
        }
        LoopGuard.Path path = LoopGuard.arrivedUdp(client);
        String self = NetUtil.toSocketAddressString((InetSocketAddress) ctx.channel().localAddress());
        if (path.contains(this)) {
            loopDetected.warn(self + ": loop: datagrams from " + NetUtil.toSocketAddressString(client)
                    + ", this process's own upstream socket, came back through " + path.describe() + " -> " + self
                    + "; dropping them (check the upstream of each relay on the path)");
            return null;
        }
        if (LoopGuard.tooManyHops(path)) {
            loopDetected.warn(self + ": loop between processes: datagrams from " + NetUtil.toSocketAddressString(client)
                    + " already went through " + path.hops() + " censorsim relays on this host (hop count in the "
                    + "source address); dropping them (check the upstream of each relay on this host; this one "
                    + "forwards to " + (options.upstream() != null ? NetUtil.toSocketAddressString(options.upstream())
                    : "the original destinations of its flows") + ")");
            return null;
        }
        if (flows.size() >= options.maxFlows()) {
            capReached.warn(options.maxFlows() + " UDP flows open, the cap; dropping datagrams of new clients");
            return null;
        }
        InetSocketAddress server = options.upstream();
        Channel reply = null;
        if (transparent) {
            server = transparentUpstream(client, recipient);
            if (server == null) {
                return null;
            }
            try {
                reply = openReplyChannel(recipient);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot open a reply socket on {} for {}: {}", recipient, client, e.toString());
                return null;
            }
        }
        Channel upstream;
        try {
            LoopGuard.Path upstreamPath = path.then(this, self);
            upstream = opener == null ? openUpstream(server, upstreamPath) : opener.open(server, upstreamPath);
        } catch (IOException | RuntimeException e) {
            // Source ports or descriptors exhausted: it repeats for every new client until flows end, so one line.
            noSocket.warn("cannot open an upstream socket for a new UDP client (" + e.getMessage()
                    + "); dropping its datagrams");
            if (reply != null) {
                reply.close();
            }
            return null;
        }
        UdpFlow flow = new UdpFlow(client, server, upstream, options.policy(), options.flowNames(), classifier,
                System.nanoTime());
        EmptyDatagramHandler.addTo(upstream);
        if (transparent) {
            flow.originalDestination = recipient;
            flow.replyChannel = reply;
            reply.pipeline().addLast(UdpRelay.REPLY_HANDLER, new ReplyWritabilityHandler(this));
        }
        upstream.pipeline().addLast(UdpRelay.UPSTREAM_HANDLER, new UdpUpstreamHandler(this, flow));
        upstream.closeFuture().addListener(f -> end(flow, UdpFlowEnd.ERROR));
        flows.put(keyOf(flow), flow);
        liveFlows = flows.size();
        upstream.read();
        return flow;
    }

    /** Where a transparent flow goes, or {@code null} (the datagram is dropped). */
    private InetSocketAddress transparentUpstream(InetSocketAddress client, InetSocketAddress recipient) {
        if (recipient == null || recipient.equals(ctx.channel().localAddress())) {
            // No original destination (IP_RECVORIGDSTADDR off), or a client that sent to the relay itself: relaying
            // it would loop back here.
            LOG.debug("dropping a datagram from {} to {}: not an intercepted destination", client, recipient);
            return null;
        }
        List<InetSocketAddress> upstreams;
        try {
            upstreams = options.transparentRoute().upstreams(recipient);
        } catch (RuntimeException e) {
            LOG.warn("transparent route failed for {}", recipient, e);
            return null;
        }
        return upstreams.isEmpty() ? null : upstreams.get(0);
    }

    /**
     * A socket bound to the flow's original destination, which may be any address: {@code IP_TRANSPARENT} allows the
     * non-local bind, and {@code SO_REUSEADDR} lets two clients' flows to one destination each have one. It only
     * sends; it is never read, and as it is unconnected TPROXY keeps delivering the client's datagrams to the
     * listening socket.
     */
    private Channel openReplyChannel(InetSocketAddress address) throws IOException {
        DatagramChannel channel = Transport.of(ctx.channel()).newDatagramChannel(Transport.familyOf(address));
        channel.config().setAutoRead(false);
        channel.config().setOption(EpollChannelOption.IP_TRANSPARENT, true);
        channel.config().setOption(ChannelOption.SO_REUSEADDR, true);
        channel.config().setOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        ChannelFuture registered = ctx.channel().eventLoop().register(channel);
        if (!registered.isDone() || !registered.isSuccess()) {
            channel.unsafe().closeForcibly();
            throw new IOException("cannot register the reply socket", registered.cause());
        }
        ChannelFuture bound = channel.bind(address);
        if (!bound.isDone() || !bound.isSuccess()) {
            channel.close();
            Throwable cause = bound.cause();
            throw new IOException(cause == null ? "cannot bind " + address : cause.getMessage(), cause);
        }
        return channel;
    }

    /**
     * Opens, binds and connects the JDK socket before registering it, all on this event loop: a UDP connect sends
     * nothing, so it completes at once and the flow's first datagram can be written straight away.
     */
    private Channel openUpstream(InetSocketAddress server, LoopGuard.Path path) throws IOException {
        boolean v6 = server.getAddress() instanceof Inet6Address;
        DatagramChannel channel = Transport.of(ctx.channel()).newDatagramChannel(Transport.familyOf(server));
        channel.config().setAutoRead(false);
        DatagramBatches.configure(channel, area);
        channel.config().setOption(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES);
        channel.config().setOption(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        // Called on the event loop, so registration, bind and connect all run inline and their futures are already
        // complete: a UDP connect sends nothing, so the flow's first datagram can be written straight away.
        ChannelFuture registered = ctx.channel().eventLoop().register(channel);
        if (!registered.isDone() || !registered.isSuccess()) {
            channel.unsafe().closeForcibly();
            throw new IOException("cannot register the upstream socket", registered.cause());
        }
        // A loopback upstream gets a loopback source: the flow's socket is never reachable from outside. Towards IPv4
        // loopback it is the hop-counting 127.67.83.h, so a relay of another process can stop a loop (LoopGuard),
        // unless --no-loop-mark asked for the target's own address (a server admitting only 127.0.0.1).
        InetSocketAddress local = options.loopMark() ? LoopGuard.markedSourceFor(server, path) : null;
        if (local == null) {
            local = new InetSocketAddress(server.getAddress().isLoopbackAddress() ? server.getAddress()
                    : java.net.InetAddress.getByName(v6 ? "::" : "0.0.0.0"), 0);
        }
        ChannelFuture opened = channel.bind(local);
        if (opened.isDone() && opened.isSuccess()) {
            // Remembered before the first send, so a relay of this process that receives it knows it for ours.
            LoopGuard.outboundUdp(channel, path);
            // Connected, the kernel drops datagrams from anyone but the server and the socket takes bare buffers.
            // NIO only: Netty 4.2.18's epoll reads a connected datagram socket with read(2) and takes its 0 for
            // "nothing", so a server's empty datagram would be lost (UdpEdgeCaseTest), and io_uring's connect
            // completes later, through the ring, where this open needs it done at once (every new client's datagrams
            // were dropped). There the socket stays unconnected and UdpUpstreamHandler drops what does not come from
            // the server.
            if (Transport.of(channel) == Transport.NIO) {
                opened = channel.connect(server);
            }
        }
        if (!opened.isDone() || !opened.isSuccess()) {
            channel.close();
            Throwable cause = opened.cause();
            throw new IOException(cause == null ? "cannot open an upstream socket to " + server
                    : cause.getMessage(), cause);
        }
        return channel;
    }

    private void sweepIdle() {
        long now = System.nanoTime();
        Iterator<UdpFlow> it = flows.values().iterator();
        while (it.hasNext()) {
            UdpFlow flow = it.next();
            if (now - flow.lastActivityNanos >= idleNanos) {
                it.remove();
                // Published before the record, so a listener that sees the record sees the flow gone.
                liveFlows = flows.size();
                finish(flow, UdpFlowEnd.IDLE, now);
            }
        }
    }

    private void end(UdpFlow flow, UdpFlowEnd how) {
        if (flows.remove(keyOf(flow), flow)) {
            liveFlows = flows.size();
            finish(flow, how, System.nanoTime());
        }
    }

    private void finish(UdpFlow flow, UdpFlowEnd how, long now) {
        if (flow.ended) {
            return;
        }
        flow.ended = true;
        parkedUpstreams.remove(flow.upstream);
        if (blockedOn == flow.upstream) {
            blockedOn = null;
            ctx.read();
        }
        flow.upstream.close();
        if (flow.replyChannel != null) {
            flow.replyChannel.close();
        }
        try {
            options.listener().flowEnded(flow.record(how, now));
        } catch (RuntimeException e) {
            LOG.warn("a UDP flow listener threw", e);
        }
    }

    /** Ends every flow as {@code how}; on the event loop. */
    void endAll(UdpFlowEnd how) {
        ended = true;
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        delayed.releaseAll();
        long now = System.nanoTime();
        List<UdpFlow> open = new ArrayList<>(flows.values());
        flows.clear();
        liveFlows = 0;
        for (UdpFlow flow : open) {
            finish(flow, how, now);
        }
    }

    int liveFlows() {
        return liveFlows;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP errors and the like surface here; a datagram relay keeps serving the other clients.
        LOG.debug("listening UDP channel error", cause);
    }
}
