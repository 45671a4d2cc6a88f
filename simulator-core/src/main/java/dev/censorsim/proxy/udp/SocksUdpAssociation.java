package dev.censorsim.proxy.udp;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.net.Transport;
import dev.censorsim.policy.UdpTreatment;
import dev.censorsim.proxy.LoopbackTargets;
import dev.censorsim.proxy.RateLimitedWarning;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One SOCKS5 UDP ASSOCIATE (RFC 1928 §7): a datagram socket bound on the control connection's local address (loopback
 * for a loopback proxy), through which the client sends datagrams wrapped in a SOCKS UDP header and receives the
 * replies wrapped the same way. Each destination is a {@link UdpFlow} with its own classification and verdict, so a
 * SOCKS client's calls meet the same policy as the forward relay's. The association ends with its TCP control
 * connection.
 *
 * <p>Wire layout of every datagram between client and relay (RFC 1928 §7):
 * <pre>
 *   u16 RSV = 0
 *   u8  FRAG          0 = standalone; fragments (FRAG != 0) are dropped, as the RFC allows a relay to
 *   u8  ATYP          1 IPv4 (4 bytes), 3 domain (u8 length, name), 4 IPv6 (16 bytes)
 *   DST.ADDR, u16 DST.PORT
 *   DATA
 * </pre>
 * Only datagrams from the control connection's client IP are relayed out (and, when the ASSOCIATE named a port, only
 * from that port); datagrams from elsewhere are relayed back only when they come from a destination the client has
 * sent to. Domain destinations (ATYP 3) are dropped: resolving them would block the event loop, and calling clients
 * send addresses. Confined to the control connection's event loop.
 *
 * <p>Reads a burst of datagrams per wake-up and flushes what it wrote once per burst ({@code
 * sendmmsg} on epoll, see {@link DatagramBatches}); outgoing datagrams travel in reused envelopes
 * ({@link ReplyDatagrams}). The next burst is read only while the socket can queue more.
 */
public final class SocksUdpAssociation extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(SocksUdpAssociation.class);
    private static final int ATYP_IPV4 = 1;
    private static final int ATYP_DOMAIN = 3;
    private static final int ATYP_IPV6 = 4;
    private static final int MAX_DESTINATIONS = 4_096;
    /** Shared by every association: a remote client probing loopback ports would otherwise write a line a datagram. */
    private static final RateLimitedWarning LOOPBACK_REFUSED = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);

    private final SocksUdpSettings settings;
    private final Channel control;
    private final InetAddress clientIp;
    private final int clientPort;
    /** Whether destinations on loopback may be reached: a loopback client, or {@code --allow-loopback-targets}. */
    private final boolean loopbackTargetsAllowed;
    private final DatagramClassifier classifier = new DatagramClassifier();
    private final Map<InetSocketAddress, UdpFlow> flows = new HashMap<>();
    private final long idleNanos;
    private Channel channel;
    private DelayedDatagrams delayed;
    private ReplyDatagrams envelopes;
    /** Datagrams written in the current read batch, not yet flushed: one flush per batch (sendmmsg on epoll). */
    private boolean unflushed;
    /** The socket could not take more when the last batch ended: the next read waits for it to drain. */
    private boolean readPaused;
    private ScheduledFuture<?> sweeper;
    private InetSocketAddress clientAddress;
    private UdpFlow lastFlow;
    private byte[] lastAddress;
    private boolean closed;

    private SocksUdpAssociation(SocksUdpSettings settings, Channel control, InetAddress clientIp, int clientPort,
                                boolean allowLoopbackTargets) {
        this.settings = settings;
        this.loopbackTargetsAllowed = allowLoopbackTargets || clientIp.isLoopbackAddress();
        this.control = control;
        this.clientIp = clientIp;
        this.clientPort = clientPort;
        this.idleNanos = settings.idleTimeout().toNanos();
    }

    /**
     * Binds the association's socket on {@code control}'s event loop and local address and ties its life to
     * {@code control}. Call on that event loop.
     *
     * @param hintPort the DST.PORT of the ASSOCIATE request: the client's UDP source port, or 0 when it did not say
     * @return the association, whose {@link #localAddress()} goes in the reply's BND.ADDR and BND.PORT
     */
    public static SocksUdpAssociation open(Channel control, int hintPort, SocksUdpSettings settings)
            throws IOException {
        return open(control, hintPort, settings, false);
    }

    /**
     * As {@link #open(Channel, int, SocksUdpSettings)}; {@code allowLoopbackTargets} lets a client that is not on
     * loopback send to loopback destinations ({@link LoopbackTargets}), as it lets it CONNECT to them.
     */
    public static SocksUdpAssociation open(Channel control, int hintPort, SocksUdpSettings settings,
                                           boolean allowLoopbackTargets) throws IOException {
        InetSocketAddress controlClient = (InetSocketAddress) control.remoteAddress();
        InetSocketAddress controlLocal = (InetSocketAddress) control.localAddress();
        SocksUdpAssociation association = new SocksUdpAssociation(settings, control, controlClient.getAddress(),
                hintPort, allowLoopbackTargets);
        DatagramChannel channel = Transport.of(control).newDatagramChannel(controlLocal);
        channel.config().setAutoRead(false);
        channel.config().setOption(ChannelOption.SO_RCVBUF, 1 << 20);
        DatagramBatches.configure(channel);
        EmptyDatagramHandler.addTo(channel);
        channel.pipeline().addLast(UdpRelay.FRONTEND_HANDLER, association);
        ChannelFuture registered = control.eventLoop().register(channel);
        if (registered.isDone() && !registered.isSuccess()) {
            channel.unsafe().closeForcibly();
            throw new IOException("cannot register the UDP ASSOCIATE socket", registered.cause());
        }
        ChannelFuture bound = channel.bind(new InetSocketAddress(controlLocal.getAddress(), 0));
        if (bound.isDone() && !bound.isSuccess()) {
            channel.close();
            throw new IOException("cannot bind the UDP ASSOCIATE socket: " + bound.cause().getMessage(),
                    bound.cause());
        }
        control.closeFuture().addListener(f -> association.close(UdpFlowEnd.CONTROL_CLOSED));
        return association;
    }

    /** Where the client must send its datagrams. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        delayed = new DelayedDatagrams(ctx.executor());
        envelopes = new ReplyDatagrams(ctx.executor());
        long period = Math.max(5_000_000L, Math.min(1_000_000_000L, idleNanos / 4));
        sweeper = ctx.executor().scheduleAtFixedRate(this::sweepIdle, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet) || closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        InetSocketAddress sender = packet.sender();
        if (isClient(sender)) {
            fromClient(packet);
        } else {
            fromServer(ctx, packet);
        }
    }

    private boolean isClient(InetSocketAddress sender) {
        if (clientAddress != null) {
            return clientAddress.equals(sender);
        }
        if (!sender.getAddress().equals(clientIp) || (clientPort != 0 && sender.getPort() != clientPort)) {
            return false;
        }
        // The first datagram from the client's IP pins the port when the ASSOCIATE did not name one.
        clientAddress = sender;
        return true;
    }

    private void fromClient(DatagramPacket packet) {
        ByteBuf content = packet.content();
        int at = content.readerIndex();
        int length = content.readableBytes();
        if (length < 4 || content.getUnsignedShort(at) != 0 || content.getUnsignedByte(at + 2) != 0) {
            packet.release();
            return;
        }
        int atyp = content.getUnsignedByte(at + 3);
        int addressLength = atyp == ATYP_IPV4 ? 4 : atyp == ATYP_IPV6 ? 16 : -1;
        if (addressLength < 0 || length < 4 + addressLength + 2) {
            if (atyp == ATYP_DOMAIN) {
                LOG.debug("dropping a SOCKS UDP datagram to a domain name; send to an address");
            }
            packet.release();
            return;
        }
        int port = content.getUnsignedShort(at + 4 + addressLength);
        UdpFlow flow = flowFor(content, at + 4, addressLength, port);
        if (flow == null) {
            packet.release();
            return;
        }
        content.skipBytes(4 + addressLength + 2);
        CaptureFile capture = settings.capture();
        if (capture != null) {
            capture.udp(clientAddress, flow.server, content);
        }
        long fate = flow.onDatagram(true, content, System.nanoTime());
        if (fate < 0) {
            packet.release();
            return;
        }
        if (fate == UdpTreatment.FORWARD) {
            channel.write(envelopes.wrap(content, flow.server), channel.voidPromise());
            unflushed = true;
        } else {
            // A slice of the 64 KiB buffer the datagram was read into: what waits is a copy of its own length.
            delayed.add(flow, channel, envelopes.wrap(DatagramBatches.compact(content), flow.server), fate);
        }
    }

    /** The flow of the destination at {@code content[at, at + addressLength)}; the last one is matched without allocating. */
    private UdpFlow flowFor(ByteBuf content, int at, int addressLength, int port) {
        UdpFlow last = lastFlow;
        if (last != null && !last.ended && last.server.getPort() == port && lastAddress.length == addressLength
                && sameBytes(content, at, lastAddress)) {
            return last;
        }
        byte[] raw = new byte[addressLength];
        content.getBytes(at, raw);
        InetSocketAddress server;
        try {
            server = new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
        UdpFlow flow = flows.get(server);
        if (flow == null) {
            if (!loopbackTargetsAllowed && !LoopbackTargets.permits(clientIp, server.getAddress())) {
                LOOPBACK_REFUSED.warn("SOCKS UDP ASSOCIATE: dropping datagrams from remote client "
                        + NetUtil.toAddressString(clientIp) + " to loopback destination "
                        + NetUtil.toSocketAddressString(server) + " (--allow-loopback-targets permits it)");
                return null;
            }
            if (flows.size() >= MAX_DESTINATIONS) {
                return null;
            }
            flow = new UdpFlow(clientAddress, server, channel, settings.policy(), settings.flowNames(), classifier,
                    System.nanoTime());
            flow.rawServerAddress = raw;
            flows.put(server, flow);
        }
        lastFlow = flow;
        lastAddress = flow.rawServerAddress;
        return flow;
    }

    private static boolean sameBytes(ByteBuf content, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (content.getByte(at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private void fromServer(ChannelHandlerContext ctx, DatagramPacket packet) {
        UdpFlow flow = flows.get(packet.sender());
        if (flow == null || clientAddress == null) {
            packet.release();
            return;
        }
        ByteBuf content = packet.content();
        long fate = flow.onDatagram(false, content, System.nanoTime());
        if (fate < 0) {
            packet.release();
            return;
        }
        CaptureFile capture = settings.capture();
        if (capture != null) {
            // What the client receives, now or after the action's delay (recorded at the verdict, as the relay does).
            capture.udp(flow.server, clientAddress, content);
        }
        // The header names the destination as the client did: the JDK makes ::ffff:a.b.c.d an Inet4Address, but a
        // client that sent the mapped form (ATYP 4) gets ATYP 4 and its 16 bytes back.
        boolean v4 = flow.rawServerAddress.length == 4;
        ByteBuf wrapped = ctx.alloc().directBuffer(4 + (v4 ? 4 : 16) + 2 + content.readableBytes());
        wrapped.writeShort(0).writeByte(0).writeByte(v4 ? ATYP_IPV4 : ATYP_IPV6);
        wrapped.writeBytes(flow.rawServerAddress).writeShort(flow.server.getPort()).writeBytes(content);
        packet.release();
        DatagramPacket out = envelopes.wrap(wrapped, clientAddress);
        if (fate == UdpTreatment.FORWARD) {
            channel.write(out, channel.voidPromise());
            unflushed = true;
        } else {
            delayed.add(flow, channel, out, fate);
        }
    }

    private void sweepIdle() {
        long now = System.nanoTime();
        Iterator<UdpFlow> it = flows.values().iterator();
        while (it.hasNext()) {
            UdpFlow flow = it.next();
            if (now - flow.lastActivityNanos >= idleNanos) {
                it.remove();
                report(flow, UdpFlowEnd.IDLE, now);
            }
        }
    }

    private void report(UdpFlow flow, UdpFlowEnd how, long now) {
        flow.ended = true;
        if (flow == lastFlow) {
            lastFlow = null;
        }
        try {
            settings.listener().flowEnded(flow.record(how, now));
        } catch (RuntimeException e) {
            LOG.warn("a UDP flow listener threw", e);
        }
    }

    /** Ends every destination flow and closes the socket; on the event loop, once. */
    private void close(UdpFlowEnd how) {
        if (closed) {
            return;
        }
        closed = true;
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        delayed.releaseAll();
        long now = System.nanoTime();
        for (UdpFlow flow : flows.values()) {
            report(flow, how, now);
        }
        flows.clear();
        channel.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close(UdpFlowEnd.SHUTDOWN);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("UDP ASSOCIATE socket error for {}", NetUtil.toAddressString(clientIp), cause);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed) {
            unflushed = false;
            ctx.channel().flush();
        }
        if (closed) {
            return;
        }
        // Both directions share this socket: the next batch is read once what this one wrote can be queued.
        if (ctx.channel().isWritable()) {
            ctx.read();
        } else {
            readPaused = true;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (readPaused && !closed && ctx.channel().isWritable()) {
            readPaused = false;
            ctx.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** The control connection's handler once the association is up: the RFC gives it nothing more to say. */
    public static final class ControlHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            // The proxy allows half-closure for relayed flows; here the client's FIN ends the association.
            if (event instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                ctx.close();
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
