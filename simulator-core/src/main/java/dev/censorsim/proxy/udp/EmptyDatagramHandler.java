package dev.censorsim.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.util.ReferenceCountUtil;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Sends zero-length datagrams, which Netty's NIO and epoll datagram channels (4.2) silently skip in
 * {@code doWriteMessage}: a 0-byte datagram is a valid datagram (keep-alives, NAT probes, protocol pings) and a censor
 * that drops it is visible. The empty write is sent straight on the channel's own socket (the JDK channel for NIO, the
 * native socket for epoll), so it leaves from the same port as every other datagram of the flow. Any other
 * write passes untouched; the check is one length test. Runs on the channel's event loop like every write.
 *
 * <p>io_uring's channel sends a zero-length datagram itself (a {@code sendmsg(2)} of no bytes through the ring), in
 * order with the rest, so {@link #addTo} leaves it out there: sent beside the ring, after a flush the ring completes
 * later, an empty datagram overtook those written before it.
 */
@ChannelHandler.Sharable
final class EmptyDatagramHandler extends ChannelOutboundHandlerAdapter {

    static final EmptyDatagramHandler INSTANCE = new EmptyDatagramHandler();
    static final String NAME = "censorsim.emptyDatagram";

    /** {@code AbstractNioChannel.javaChannel()}, protected; Netty is on the class path, so it may be opened. */
    private static final MethodHandle NIO_JAVA_CHANNEL = nioJavaChannel();

    private EmptyDatagramHandler() {
    }

    /** Adds the handler to {@code channel}'s pipeline where its transport skips empty datagrams: NIO and epoll. */
    static void addTo(Channel channel) {
        if (!(channel instanceof IoUringDatagramChannel)) {
            channel.pipeline().addLast(NAME, INSTANCE);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ByteBuf content;
        InetSocketAddress recipient;
        if (msg instanceof DatagramPacket packet) {
            content = packet.content();
            recipient = packet.recipient();
        } else if (msg instanceof ByteBuf bytes) {
            content = bytes;
            recipient = null;
        } else {
            ctx.write(msg, promise);
            return;
        }
        if (content.isReadable()) {
            ctx.write(msg, promise);
            return;
        }
        ReferenceCountUtil.release(msg);
        // Datagrams written before it (the relay flushes a read batch at its end) leave first, so the empty one does
        // not overtake them; one the socket could not take yet (EAGAIN) still waits behind it.
        ctx.flush();
        try {
            sendEmpty(ctx.channel(), recipient);
            promise.trySuccess();
        } catch (Throwable e) {
            promise.tryFailure(e);
        }
    }

    private static void sendEmpty(Channel channel, InetSocketAddress recipient) throws Throwable {
        ByteBuffer empty = ByteBuffer.allocate(0);
        if (channel instanceof NioDatagramChannel && NIO_JAVA_CHANNEL != null) {
            java.nio.channels.DatagramChannel jdk = (java.nio.channels.DatagramChannel) NIO_JAVA_CHANNEL.invoke(channel);
            if (recipient != null) {
                jdk.send(empty, recipient);
                return;
            }
            // On a connected channel the JDK's send() and write() both end in IOUtil.write, which returns before the
            // system call when nothing remains: the socket is disconnected for the one send and connected again.
            // Rare (empty datagrams only), event-loop confined, and the bound port is kept throughout.
            java.net.SocketAddress peer = jdk.getRemoteAddress();
            jdk.disconnect();
            try {
                jdk.send(empty, peer);
            } finally {
                jdk.connect(peer);
            }
            return;
        }
        if (channel instanceof UnixChannel unix && unix.fd() instanceof io.netty.channel.unix.Socket socket) {
            ByteBuffer direct = ByteBuffer.allocateDirect(0);
            if (recipient == null) {
                socket.send(direct, 0, 0);
            } else {
                socket.sendTo(direct, 0, 0, recipient.getAddress(), recipient.getPort());
            }
            return;
        }
        throw new java.io.IOException("cannot send an empty datagram on " + channel.getClass().getSimpleName());
    }

    private static MethodHandle nioJavaChannel() {
        try {
            Method m = io.netty.channel.nio.AbstractNioChannel.class.getDeclaredMethod("javaChannel");
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m)
                    .asType(MethodType.methodType(Object.class, Channel.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
