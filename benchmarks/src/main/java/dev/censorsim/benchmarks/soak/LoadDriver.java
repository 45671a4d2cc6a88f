package dev.censorsim.benchmarks.soak;

import dev.censorsim.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client and server side of the soak scripts in {@code benchmarks/soak/}: it loads a censorsim process the script
 * started and measures, and prints one {@code key=value} result line the script reports. Every target is loopback.
 *
 * <pre>
 * LoadDriver echo-tcp PORT                                  an echo server, until killed
 * LoadDriver echo-udp PORT                                  a UDP echo server, until killed
 * LoadDriver flows PROXY_PORT forward|socks|http ECHO_PORT N HOLD_S   N concurrent flows, 1 KiB echoed each, held
 * LoadDriver udp-flows RELAY_PORT N HOLD_S                  N UDP flows (one client socket each), one echo each, held
 * LoadDriver storm PROXY_PORT N                             N bare connect-and-close clients, 32 at a time
 * LoadDriver slowloris PROXY_PORT N WAIT_S                  N clients send one byte and stall; counts those closed
 * LoadDriver bytes PROXY_PORT forward|socks ECHO_PORT BYTES one flow, BYTES each way, byte-exact check
 * </pre>
 */
public final class LoadDriver {

    private static final int CHUNK = 1024;

    private LoadDriver() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "echo-tcp" -> echoTcp(Integer.parseInt(args[1]));
            case "echo-udp" -> echoUdp(Integer.parseInt(args[1]));
            case "flows" -> flows(port(args[1]), args[2], port(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            case "udp-flows" -> udpFlows(port(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "storm" -> storm(port(args[1]), Integer.parseInt(args[2]));
            case "slowloris" -> slowloris(port(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "bytes" -> bytes(port(args[1]), args[2].equals("socks"), port(args[3]), Long.parseLong(args[4]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static InetSocketAddress port(String p) {
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(p));
    }

    // ---- servers ----

    private static void echoTcp(int port) throws InterruptedException {
        EventLoopGroup group = Transport.current().newGroup(1, "echo");
        new ServerBootstrap().group(group).channelFactory(Transport.current()::newServerSocketChannel)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                            // After every echoed byte is written: shutdownOutput() fails writes still queued.
                            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(
                                    f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
                        }
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync();
        System.out.println("echo-tcp listening on " + port);
        Thread.currentThread().join();
    }

    private static void echoUdp(int port) throws InterruptedException {
        EventLoopGroup group = Transport.current().newGroup(1, "echo-udp");
        new Bootstrap().group(group).channelFactory(() -> Transport.current().newDatagramChannel(
                        new InetSocketAddress("127.0.0.1", port)))
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket p = (DatagramPacket) msg;
                        ctx.writeAndFlush(new DatagramPacket(p.content(), p.sender()));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync();
        System.out.println("echo-udp listening on " + port);
        Thread.currentThread().join();
    }

    // ---- TCP flows ----

    private static byte[] socksConnect(InetSocketAddress target) {
        byte[] a = target.getAddress().getAddress();
        return new byte[] {5, 1, 0, 5, 1, 0, 1, a[0], a[1], a[2], a[3],
                (byte) (target.getPort() >> 8), (byte) target.getPort()};
    }

    /** Bytes a SOCKS client reads before its data: method choice (2) and an IPv4 CONNECT reply (10). */
    private static final int SOCKS_REPLY_BYTES = 12;

    /** An HTTP CONNECT request (RFC 9110 §9.3.6) for {@code target}. */
    private static byte[] httpConnect(InetSocketAddress target) {
        String authority = "127.0.0.1:" + target.getPort();
        return ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Connections opened per batch and the pause between batches: 200 per 20 ms by default; slower
     * ({@code -Dsoak.batchPauseMillis=100}) keeps a loaded proxy's 1,024-entry accept backlog from overflowing.
     */
    private static final int BATCH = 200;
    private static final long BATCH_PAUSE_MILLIS = Long.getLong("soak.batchPauseMillis", 20);

    private static void flows(InetSocketAddress proxy, String mode, InetSocketAddress echo, int n, int holdSeconds)
            throws Exception {
        boolean socks = mode.equals("socks");
        boolean http = mode.equals("http");
        if (!socks && !http && !mode.equals("forward")) {
            throw new IllegalArgumentException("mode forward, socks or http, not " + mode);
        }
        EventLoopGroup group = Transport.current().newGroup(1, "flows");
        AtomicInteger echoed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        CountDownLatch done = new CountDownLatch(n);
        List<Channel> open = new ArrayList<>(n);
        byte[] payload = new byte[CHUNK];
        new SplittableRandom(1).nextBytes(payload);
        long start = System.nanoTime();
        Bootstrap b = new Bootstrap().group(group).channelFactory(Transport.current()::newSocketChannel)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            int skip = socks ? SOCKS_REPLY_BYTES : 0;
                            /** HTTP: the response head is not over yet; counts the CR LF CR LF bytes seen. */
                            boolean inHead = http;
                            int endOfHead;
                            int got;
                            boolean counted;

                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                if (http) {
                                    // The payload follows the 200, as browsers do.
                                    ctx.writeAndFlush(Unpooled.wrappedBuffer(httpConnect(echo)));
                                    return;
                                }
                                if (socks) {
                                    ctx.write(Unpooled.wrappedBuffer(socksConnect(echo)));
                                }
                                ctx.writeAndFlush(Unpooled.wrappedBuffer(payload));
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf in = (ByteBuf) msg;
                                while (inHead && in.isReadable()) {
                                    byte b = in.readByte();
                                    endOfHead = b == (endOfHead % 2 == 0 ? '\r' : '\n') ? endOfHead + 1
                                            : b == '\r' ? 1 : 0;
                                    if (endOfHead == 4) {
                                        inHead = false;
                                        ctx.writeAndFlush(Unpooled.wrappedBuffer(payload));
                                    }
                                }
                                int s = Math.min(skip, in.readableBytes());
                                in.skipBytes(s);
                                skip -= s;
                                while (in.isReadable() && got < CHUNK) {
                                    if (in.readByte() != payload[got++]) {
                                        fail();
                                    }
                                }
                                in.release();
                                if (got == CHUNK && !counted) {
                                    counted = true;
                                    echoed.incrementAndGet();
                                    bytes.addAndGet(CHUNK);
                                    done.countDown();
                                }
                            }

                            private void fail() {
                                if (!counted) {
                                    counted = true;
                                    failed.incrementAndGet();
                                    done.countDown();
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                fail();
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                fail();
                                ctx.close();
                            }
                        });
                    }
                });
        for (int i = 0; i < n; i++) {
            ChannelFuture f = b.connect(proxy);
            open.add(f.channel());
            f.addListener((ChannelFutureListener) cf -> {
                if (!cf.isSuccess()) {
                    failed.incrementAndGet();
                    done.countDown();
                }
            });
            if (i % BATCH == BATCH - 1) {
                Thread.sleep(BATCH_PAUSE_MILLIS); // keeps the accept backlog below its limit
            }
        }
        done.await(600, TimeUnit.SECONDS);
        long setupMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("holding flows=%d echoed=%d failed=%d setup_ms=%d%n", n, echoed.get(), failed.get(),
                setupMillis);
        System.out.flush();
        Thread.sleep(holdSeconds * 1000L);
        for (Channel c : open) {
            c.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        System.out.printf("result flows=%d echoed=%d failed=%d bytes_verified=%d setup_ms=%d%n", n, echoed.get(),
                failed.get(), bytes.get(), setupMillis);
    }

    // ---- UDP flows ----

    private static void udpFlows(InetSocketAddress relay, int n, int holdSeconds) throws Exception {
        EventLoopGroup group = Transport.current().newGroup(1, "udp-flows");
        AtomicInteger echoed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        List<Channel> open = new ArrayList<>(n);
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> Transport.current().newDatagramChannel(relay))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                        echoed.incrementAndGet();
                        done.countDown();
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                });
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Channel ch = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            open.add(ch);
            ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[64]), relay));
            if (i % BATCH == BATCH - 1) {
                Thread.sleep(BATCH_PAUSE_MILLIS);
            }
        }
        done.await(300, TimeUnit.SECONDS);
        long setupMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("holding flows=%d echoed=%d lost=%d setup_ms=%d%n", n, echoed.get(), n - echoed.get(),
                setupMillis);
        System.out.flush();
        Thread.sleep(holdSeconds * 1000L);
        for (Channel c : open) {
            c.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        System.out.printf("result flows=%d echoed=%d lost=%d setup_ms=%d%n", n, echoed.get(), n - echoed.get(),
                setupMillis);
    }

    // ---- storms ----

    private static void storm(InetSocketAddress proxy, int n) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            Thread th = new Thread(() -> {
                while (next.getAndIncrement() < n) {
                    try (Socket s = new Socket()) {
                        s.connect(proxy, 5_000);
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("result connects=%d failed=%d ms=%d per_s=%d%n", ok.get(), failed.get(), millis,
                millis == 0 ? 0 : ok.get() * 1000L / millis);
    }

    private static void slowloris(InetSocketAddress proxy, int n, int waitSeconds) throws Exception {
        List<Socket> open = new ArrayList<>(n);
        int refused = 0;
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            try {
                s.connect(proxy, 5_000);
                s.getOutputStream().write(5); // a SOCKS version byte, then nothing
                open.add(s);
            } catch (Exception e) {
                refused++;
                s.close();
            }
        }
        System.out.printf("holding stalled=%d refused=%d%n", open.size(), refused);
        System.out.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        int closedByProxy = 0;
        for (Socket s : open) {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            try {
                if (s.getInputStream().read() < 0) {
                    closedByProxy++;
                }
            } catch (java.net.SocketTimeoutException stillOpen) {
                // the proxy is still holding it
            } catch (java.io.IOException reset) {
                closedByProxy++;
            }
            s.close();
        }
        System.out.printf("result stalled=%d closed_by_proxy=%d refused=%d%n", open.size(), closedByProxy, refused);
    }

    // ---- bytes ----

    private static void bytes(InetSocketAddress proxy, boolean socks, InetSocketAddress echo, long total)
            throws Exception {
        try (Socket s = new Socket()) {
            s.connect(proxy, 5_000);
            s.setSoTimeout(120_000);
            s.setReceiveBufferSize(1 << 20);
            s.setSendBufferSize(1 << 20);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (socks) {
                out.write(socksConnect(echo));
                out.flush();
                in.readNBytes(SOCKS_REPLY_BYTES);
            }
            long start = System.nanoTime();
            Thread writer = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(42);
                byte[] buf = new byte[64 * 1024];
                try {
                    for (long sent = 0; sent < total; ) {
                        int len = (int) Math.min(buf.length, total - sent);
                        fill(r, buf, len);
                        out.write(buf, 0, len);
                        sent += len;
                    }
                    s.shutdownOutput();
                } catch (Exception e) {
                    System.err.println("writer: " + e);
                }
            });
            writer.start();
            SplittableRandom expected = new SplittableRandom(42);
            byte[] buf = new byte[64 * 1024];
            byte[] want = new byte[64 * 1024];
            long received = 0;
            long mismatches = 0;
            int wantFill = 0;
            int wantPos = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (wantPos == wantFill) {
                        wantFill = (int) Math.min(want.length, total - received - i);
                        if (wantFill <= 0) {
                            mismatches++;
                            continue;
                        }
                        fill(expected, want, wantFill);
                        wantPos = 0;
                    }
                    if (buf[i] != want[wantPos++]) {
                        mismatches++;
                    }
                }
                received += n;
            }
            writer.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("result sent=%d received=%d mismatched_bytes=%d seconds=%.1f mbit_s=%.0f%n", total,
                    received, mismatches, seconds, received * 8 / seconds / 1e6);
        }
    }

    /** The same stream for writer and checker: 8 bytes per long, whatever the buffer boundaries. */
    private static void fill(SplittableRandom r, byte[] buf, int len) {
        for (int i = 0; i < len; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8 && i + k < len; k++) {
                buf[i + k] = (byte) (v >>> (8 * k));
            }
        }
    }
}
