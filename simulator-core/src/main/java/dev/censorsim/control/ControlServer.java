package dev.censorsim.control;

import dev.censorsim.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control API's HTTP/1.1 server. Every request is checked here before any route sees it:
 * <ol>
 *   <li>bodies over {@value #MAX_BODY_BYTES} bytes get 413 (Netty's aggregator answers and closes);</li>
 *   <li>a {@code User-Agent} starting with {@code Mozilla/} gets 403: a browser tab must not be able to steer the
 *       censor through a cross-site form post (Toxiproxy's guard, same rule);</li>
 *   <li>with a token, a request without {@code Authorization: Bearer TOKEN} gets 401. A listener beyond loopback
 *       refuses to start without one.</li>
 * </ol>
 * Then the route handlers are asked in order ({@link RouteHandler}); {@code GET /censorsim/events} is a chunked
 * stream the server answers itself, and {@code GET /version} is answered only if no handler did.
 *
 * The browser and token checks look at a request's head, before its body is read, so a client without the token
 * cannot make the server hold a body.
 *
 * <p>Threading: routes run on one worker thread, off the event loops, one request at a time (so a slow route never
 * stalls I/O, and handlers need no locks against each other). Each connection's requests are answered one at a time,
 * in order: pipelined requests wait their turn, up to {@value #MAX_PIPELINED_REQUESTS}; later ones are dropped
 * unanswered and the connection closes after the last answer, as a server may close a kept-alive connection. Every
 * request has a deadline ({@link Builder#requestTimeout}): past it the client gets 503 and the late answer is dropped,
 * so no client waits forever whatever a route does. The worker's queue is bounded; a full queue answers 503 at once.
 *
 * <p>Slow or idle clients, as Toxiproxy's API server times them (Go's {@code ReadTimeout} and {@code IdleTimeout}): a
 * request must arrive whole within {@link Builder#readTimeout} of its first byte, and a connection with no request for
 * {@link Builder#idleTimeout} after its last answer is closed, so a client that sends part of a request and stops
 * holds nothing for long. At most {@value #MAX_CONNECTIONS} connections are open at once; more are closed as they
 * arrive.
 */
public final class ControlServer implements AutoCloseable {

    /** Largest request body accepted: a policy file is a few KiB; Toxiproxy's populate lists are small too. */
    public static final int MAX_BODY_BYTES = 1 << 20;
    /** The API port Toxiproxy clients expect. */
    public static final int DEFAULT_PORT = 8474;
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ControlServer.class);
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 3_000;
    /** Requests waiting for the worker beyond this are refused with 503 rather than queued without bound. */
    private static final int MAX_QUEUED_REQUESTS = 1_024;
    /** Requests one connection may have waiting behind the one being answered. */
    static final int MAX_PIPELINED_REQUESTS = 16;
    /** Connections open at once; a test harness or a few clients need a handful. */
    static final int MAX_CONNECTIONS = 256;

    private final EventLoopGroup group;
    private final ChannelGroup channels;
    private final Channel serverChannel;
    private final ThreadPoolExecutor worker;

    private ControlServer(EventLoopGroup group, ChannelGroup channels, Channel serverChannel,
                          ThreadPoolExecutor worker) {
        this.group = group;
        this.channels = channels;
        this.serverChannel = serverChannel;
        this.worker = worker;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound address, with the real port when port 0 was asked for. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Stops accepting, closes every connection (event streams too) and stops the worker; bounded wait. Requests still
     * queued for the worker are released unanswered (their connections are closed already).
     */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        for (Runnable queued : worker.shutdownNow()) {
            if (queued instanceof RouteTask task) {
                task.drop();
            }
        }
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    }

    /** How the server listens and what it serves; {@link #start()} binds. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", DEFAULT_PORT);
        private String token;
        private final List<RouteHandler> handlers = new java.util.ArrayList<>();
        private CensorEvents events;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofSeconds(15);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private String version = "dev";

        private Builder() {
        }

        /** Where to listen; default {@code 127.0.0.1:8474}. */
        public Builder listen(InetSocketAddress listen) {
            this.listen = Objects.requireNonNull(listen, "listen");
            return this;
        }

        /** Requires {@code Authorization: Bearer token}; mandatory when {@link #listen} is not loopback. */
        public Builder token(String token) {
            this.token = token == null || token.isEmpty() ? null : token;
            return this;
        }

        /** Adds a family of routes, asked after those added before it. */
        public Builder handler(RouteHandler handler) {
            handlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** Adds route families in order, e.g. the coordinator's extra handlers after the native ones. */
        public Builder handlers(List<? extends RouteHandler> more) {
            more.forEach(this::handler);
            return this;
        }

        /** The source of {@code GET /censorsim/events}; without it that route is 404. */
        public Builder events(CensorEvents events) {
            this.events = events;
            return this;
        }

        /** Longest a request may wait for its answer before it gets 503; default 30 s. */
        public Builder requestTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be > 0");
            }
            this.requestTimeout = timeout;
            return this;
        }

        /** Longest a request may take to arrive whole, from its first byte; default 15 s, as Toxiproxy's. */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = positive(timeout, "readTimeout");
            return this;
        }

        /** Longest a connection may wait for its next request before it is closed; default 60 s, as Toxiproxy's. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        private static Duration positive(Duration timeout, String name) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0");
            }
            return timeout;
        }

        /** What the fallback {@code GET /version} answers. */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /**
         * Binds and returns once the server accepts connections.
         *
         * @throws IllegalArgumentException when the listen address is not loopback and no token was given
         * @throws IOException              when the address cannot be bound
         */
        public ControlServer start() throws IOException {
            if (!listen.getAddress().isLoopbackAddress() && token == null) {
                throw new IllegalArgumentException("the control API on " + listen.getAddress().getHostAddress()
                        + " (not loopback) needs a token: anyone who reaches it could steer the censor");
            }
            ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new ArrayBlockingQueue<>(MAX_QUEUED_REQUESTS), r -> {
                        Thread t = new Thread(r, "censorsim-control");
                        t.setDaemon(true);
                        return t;
                    });
            EventLoopGroup group = Transport.current().newGroup(1, "censorsim-control-io");
            ChannelGroup channels = new DefaultChannelGroup("censorsim-control", GlobalEventExecutor.INSTANCE);
            Settings settings = new Settings(List.copyOf(handlers), token, events, requestTimeout.toNanos(),
                    readTimeout.toNanos(), idleTimeout.toNanos(), version, worker);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channelFactory(Transport.current()::newServerSocketChannel)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (channels.size() >= MAX_CONNECTIONS) {
                                ch.close();
                                return;
                            }
                            channels.add(ch);
                            RequestClock clock = new RequestClock(settings);
                            ch.pipeline().addLast("clock", clock);
                            ch.pipeline().addLast("httpCodec", new HttpServerCodec());
                            ch.pipeline().addLast("gate", new RequestGate(settings));
                            ch.pipeline().addLast("aggregator", new HttpObjectAggregator(MAX_BODY_BYTES, true));
                            ch.pipeline().addLast("control", new RequestHandler(settings, clock));
                        }
                    });
            ChannelFuture bind = bootstrap.bind(listen);
            try {
                bind.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                worker.shutdownNow();
                throw new InterruptedIOException("interrupted while binding " + listen);
            }
            if (!bind.isSuccess()) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                worker.shutdownNow();
                throw new IOException("cannot listen on " + listen.getAddress().getHostAddress() + ":"
                        + listen.getPort() + ": " + bind.cause().getMessage(), bind.cause());
            }
            return new ControlServer(group, channels, bind.channel(), worker);
        }
    }

    private record Settings(List<RouteHandler> handlers, String token, CensorEvents events, long timeoutNanos,
                            long readTimeoutNanos, long idleTimeoutNanos, String version, ThreadPoolExecutor worker) {
    }

    /**
     * Times each request from its first byte to its last ({@link Settings#readTimeoutNanos}) and each wait for the
     * next request ({@link Settings#idleTimeoutNanos}), and closes the connection when either runs out. First in the
     * pipeline, so it sees bytes before the codec does; {@link RequestHandler} tells it when a request is whole, when
     * an answer is out and when the connection became an event stream.
     */
    private static final class RequestClock extends ChannelInboundHandlerAdapter {
        private static final int IDLE = 0;
        private static final int READING = 1;
        private static final int BUSY = 2;
        private static final int OFF = 3;

        private final Settings settings;
        private ChannelHandlerContext ctx;
        private int state = IDLE;
        private ScheduledFuture<?> timer;

        RequestClock(Settings settings) {
            this.settings = settings;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            arm(settings.idleTimeoutNanos, "no request");
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (state == IDLE) {
                state = READING;
                arm(settings.readTimeoutNanos, "request not whole");
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            state = OFF;
            ctx.fireChannelInactive();
        }

        /** A whole request is being answered: no clock runs until the answer is out. */
        void busy() {
            if (state != OFF) {
                cancel();
                state = BUSY;
            }
        }

        /** The answer is out and no request waits: the next one has {@link Settings#idleTimeoutNanos} to begin. */
        void idle() {
            if (state != OFF) {
                state = IDLE;
                arm(settings.idleTimeoutNanos, "no request");
            }
        }

        /** The connection is an event stream now, which has no deadlines. */
        void stop() {
            cancel();
            state = OFF;
        }

        private void arm(long nanos, String why) {
            cancel();
            timer = ctx.executor().schedule(() -> {
                timer = null;
                LOG.debug("control connection {} closed: {} within {} ms", ctx.channel().remoteAddress(), why,
                        TimeUnit.NANOSECONDS.toMillis(nanos));
                ctx.close();
            }, nanos, TimeUnit.NANOSECONDS);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /**
     * The browser and token checks, on a request's head: a request they refuse is answered at once and the
     * connection closed, before its body is read, so a client without the token cannot make the server hold a body.
     */
    private static final class RequestGate extends ChannelInboundHandlerAdapter {
        private final Settings settings;
        private boolean refused;

        RequestGate(Settings settings) {
            this.settings = settings;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest head && head.decoderResult().isSuccess()) {
                FullHttpResponse refusal = refusal(head);
                if (refusal != null) {
                    refused = true;
                    ReferenceCountUtil.release(msg);
                    HttpUtil.setKeepAlive(refusal, false);
                    ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }

        private FullHttpResponse refusal(HttpRequest head) {
            String userAgent = head.headers().get(HttpHeaderNames.USER_AGENT);
            if (userAgent != null && userAgent.startsWith("Mozilla/")) {
                return Json.error(HttpResponseStatus.FORBIDDEN, "User agent not allowed");
            }
            if (settings.token != null && !authorized(head.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                FullHttpResponse denied = Json.error(HttpResponseStatus.UNAUTHORIZED, "missing or wrong bearer token");
                denied.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"censorsim\"");
                return denied;
            }
            return null;
        }

        private boolean authorized(String header) {
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return false;
            }
            byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
            // Constant time: the answer's timing must not tell how much of a guess was right.
            return MessageDigest.isEqual(given, settings.token.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Per connection: one request at a time through the worker, pipelined ones waiting their turn. */
    private static final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

        private static final int QUEUED = 0;
        private static final int RUNNING = 1;
        private static final int ANSWERED = 2;

        private final Settings settings;
        private final RequestClock clock;
        /** Requests that arrived while another was being answered, oldest first. */
        private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
        private boolean answering;
        /** More pipelined requests came than may wait: the rest were dropped; the connection ends after these. */
        private boolean overflowed;
        /** Set once the connection became an event stream: further requests on it are ignored. */
        private boolean streaming;

        RequestHandler(Settings settings, RequestClock clock) {
            super(false);
            this.settings = settings;
            this.clock = clock;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (streaming) {
                request.release();
                return;
            }
            if (answering) {
                if (overflowed || waiting.size() >= MAX_PIPELINED_REQUESTS) {
                    // Dropped unanswered; the connection closes after the answers before it, as a server may close
                    // a kept-alive connection, and the client sends what went unanswered again.
                    request.release();
                    overflowed = true;
                    return;
                }
                waiting.addLast(request);
                return;
            }
            answer(ctx, request);
        }

        private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
            answering = true;
            clock.busy();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (request.decoderResult().isFailure()) {
                request.release();
                send(ctx, Json.error(HttpResponseStatus.BAD_REQUEST, "malformed request"), false);
                return;
            }
            String path;
            try {
                QueryStringDecoder uri = new QueryStringDecoder(request.uri());
                path = uri.path();
                uri.parameters(); // decodes every parameter now, so no route meets a malformed escape
            } catch (IllegalArgumentException malformed) {
                request.release();
                send(ctx, Json.error(HttpResponseStatus.BAD_REQUEST, "malformed request target: "
                        + malformed.getMessage()), keepAlive);
                return;
            }
            if (request.method().equals(HttpMethod.GET) && path.equals("/censorsim/events")
                    && settings.events != null) {
                request.release();
                releaseWaiting();
                clock.stop();
                stream(ctx);
                return;
            }
            dispatch(ctx, request, keepAlive);
        }

        /** After an answer on a kept-alive connection: the next waiting request, else read for one. */
        private void next(ChannelHandlerContext ctx) {
            answering = false;
            FullHttpRequest request = waiting.pollFirst();
            if (request != null) {
                answer(ctx, request);
            } else if (overflowed) {
                ctx.close();
            } else {
                clock.idle();
                ctx.read();
            }
        }

        private void releaseWaiting() {
            for (FullHttpRequest request; (request = waiting.pollFirst()) != null; ) {
                request.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            releaseWaiting();
            ctx.fireChannelInactive();
        }

        /**
         * Runs the routes on the worker; whichever of the answer and the deadline comes first is sent. A request
         * still queued when its deadline passes is never run, so a client that was told 503 can rely on its
         * request not taking effect later; one already running may still take effect (its answer is dropped).
         */
        private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
            AtomicInteger state = new AtomicInteger(QUEUED);
            ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
                if (state.getAndSet(ANSWERED) != ANSWERED) {
                    send(ctx, Json.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "request timed out after "
                            + TimeUnit.NANOSECONDS.toMillis(settings.timeoutNanos) + " ms"), false);
                }
            }, settings.timeoutNanos, TimeUnit.NANOSECONDS);
            try {
                settings.worker.execute(new RouteTask(this, ctx, request, keepAlive, state, deadline));
            } catch (RejectedExecutionException busy) {
                request.release();
                deadline.cancel(false);
                state.set(ANSWERED);
                send(ctx, Json.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "control API busy; try again"), false);
            }
        }

        /**
         * Asks the routes in order. Whatever a route throws, {@link Error}s included, becomes a 500 with a one-line
         * JSON error: an escaping throwable would end the worker thread mid-request, and the client would wait for
         * its deadline's 503. A {@link VirtualMachineError} is logged as an error, since the process may be unwell.
         */
        private FullHttpResponse route(FullHttpRequest request) {
            try {
                for (RouteHandler handler : settings.handlers) {
                    FullHttpResponse response = handler.handle(request);
                    if (response != null) {
                        return response;
                    }
                }
                String path = new QueryStringDecoder(request.uri()).path();
                if (path.equals("/version") && request.method().equals(HttpMethod.GET)) {
                    return Json.response(HttpResponseStatus.OK, Map.of("version", settings.version));
                }
                return Json.error(HttpResponseStatus.NOT_FOUND, "no route " + request.method() + " " + path);
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError) {
                    LOG.error("control route failed: {} {}", request.method(), request.uri(), e);
                } else {
                    LOG.warn("control route failed: {} {}", request.method(), request.uri(), e);
                }
                return Json.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getClass().getSimpleName() + ": "
                        + e.getMessage());
            }
        }

        private void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
            if (!ctx.channel().isActive()) {
                response.release();
                return;
            }
            HttpUtil.setKeepAlive(response, keepAlive);
            ChannelFuture written = ctx.writeAndFlush(response);
            if (keepAlive) {
                written.addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        next(ctx); // the next request only once this answer is out
                    } else {
                        f.channel().close();
                    }
                });
            } else {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /**
         * {@code GET /censorsim/events}: a chunked {@code application/x-ndjson} response that never ends, one event
         * per line. A consumer that does not keep up loses lines (the channel is not writable) rather than growing
         * our memory; the stream ends when the client closes or the server stops.
         */
        private void stream(ChannelHandlerContext ctx) {
            streaming = true;
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson; charset=utf-8");
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            Channel channel = ctx.channel();
            ctx.writeAndFlush(head);
            AutoCloseable subscription = settings.events.subscribe(line -> {
                if (channel.isActive() && channel.isWritable()) {
                    channel.writeAndFlush(new DefaultHttpContent(
                            Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8)));
                }
            });
            channel.closeFuture().addListener(f -> {
                try {
                    subscription.close();
                } catch (Exception ignored) {
                    // removing from a list cannot fail
                }
            });
            // Keep reading, so a client's close (EOF) is seen; anything it sends is discarded by the codec's release.
            channel.config().setAutoRead(true);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("control connection {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /**
     * One request's turn on the worker, a class of its own (not a lambda) so that {@link #close()} can find the
     * requests still queued among the tasks the worker never ran, and release them.
     */
    private static final class RouteTask implements Runnable {
        private final RequestHandler handler;
        private final ChannelHandlerContext ctx;
        private final FullHttpRequest request;
        private final boolean keepAlive;
        private final AtomicInteger state;
        private final ScheduledFuture<?> deadline;

        RouteTask(RequestHandler handler, ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive,
                  AtomicInteger state, ScheduledFuture<?> deadline) {
            this.handler = handler;
            this.ctx = ctx;
            this.request = request;
            this.keepAlive = keepAlive;
            this.state = state;
            this.deadline = deadline;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(RequestHandler.QUEUED, RequestHandler.RUNNING)) {
                request.release(); // timed out while queued: the client was told 503
                return;
            }
            FullHttpResponse response;
            try {
                response = handler.route(request);
            } finally {
                request.release();
            }
            try {
                ctx.executor().execute(() -> {
                    deadline.cancel(false);
                    if (state.getAndSet(RequestHandler.ANSWERED) != RequestHandler.ANSWERED) {
                        handler.send(ctx, response, keepAlive);
                    } else {
                        ReferenceCountUtil.release(response);
                    }
                });
            } catch (RejectedExecutionException closed) {
                response.release(); // the server closed while the route ran: nobody is left to answer
            }
        }

        /** Never run: the server closed first. */
        void drop() {
            request.release();
        }
    }
}
