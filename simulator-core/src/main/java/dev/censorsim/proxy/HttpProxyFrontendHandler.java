package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 proxy front end: reads one request head, then either
 * <ul>
 *   <li>{@code CONNECT host:port} (RFC 9110 section 9.3.6): connects, answers {@code 200 Connection established},
 *       and hands the tunnel to a {@link Flow} whose target is the host name, so {@code target}/{@code domain} rules
 *       match it and {@code sni} rules match the TLS inside; or</li>
 *   <li>a request with an absolute {@code http://} URI (RFC 9112 section 3.2.2): connects to the URI's host, rewrites
 *       the request line to origin form, drops the proxy's own headers, adds {@code Connection: close} (one request
 *       per connection, so a keep-alive client cannot steer a second request at the first host), and relays the rest
 *       as a flow, whose {@code Host} header the classifier reads for {@code host} rules.</li>
 * </ul>
 * Answers: 400 for a malformed head or a request that is not a proxy request, 431 for a head over
 * {@value #MAX_HEAD_BYTES} bytes, 407 when credentials are required and missing, 403 for a target that is this proxy
 * itself (a loop), 502 when the name does not resolve or the connect fails, 504 when the connect times out. Which
 * clients may use the proxy at all is the client allow-list's job (loopback only by default): never an open relay.
 *
 * <p>The head is parsed by hand rather than with {@code HttpRequestDecoder} so that every byte after it reaches the
 * flow exactly as the client sent it: a decoder would already have parsed tunnel bytes as a next request.
 */
final class HttpProxyFrontendHandler extends ChannelInboundHandlerAdapter {

    /** Largest request head accepted; browsers and the JDK send well under 8 KiB. */
    static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final byte[] CONNECTED = "HTTP/1.1 200 Connection established\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** Headers meant for this proxy (RFC 9110 section 7.6.1 hop-by-hop, plus the legacy Proxy-Connection). */
    private static final List<String> HOP_BY_HOP = List.of("connection", "proxy-connection", "keep-alive",
            "proxy-authorization", "te", "trailer", "upgrade");

    private final ProxyRuntime runtime;
    private final long acceptedNanos = System.nanoTime();
    /** Client bytes: the head until it is complete, then whatever followed it, kept for the flow. */
    private ByteBuf buffer;
    private boolean connecting;

    HttpProxyFrontendHandler(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (buffer == null) {
            buffer = bytes;
        } else {
            CompositeByteBuf all = buffer instanceof CompositeByteBuf c ? c : ctx.alloc().compositeBuffer(64)
                    .addComponent(true, buffer);
            buffer = all.addComponent(true, bytes);
        }
        if (connecting) {
            return; // bytes behind the head: they wait for the flow
        }
        int headEnd = headEnd(buffer);
        if (headEnd < 0) {
            if (buffer.readableBytes() > MAX_HEAD_BYTES) {
                answer(ctx, 431, "Request Header Fields Too Large", "request head over " + MAX_HEAD_BYTES + " bytes");
            } else {
                ctx.read();
            }
            return;
        }
        if (headEnd > MAX_HEAD_BYTES) {
            answer(ctx, 431, "Request Header Fields Too Large", "request head over " + MAX_HEAD_BYTES + " bytes");
            return;
        }
        String head = buffer.toString(buffer.readerIndex(), headEnd - buffer.readerIndex(),
                StandardCharsets.ISO_8859_1);
        buffer.readerIndex(headEnd);
        onHead(ctx, head);
    }

    /**
     * The index just past the empty line that ends the head (RFC 9112 section 2.1), or -1. A bare LF is accepted as
     * a line end (section 2.2 allows recipients to).
     */
    static int headEnd(ByteBuf buf) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int lineStart = start;
        for (int i = start; i < end; i++) {
            if (buf.getByte(i) != '\n') {
                continue;
            }
            int length = i - lineStart;
            if (length == 0 || length == 1 && buf.getByte(lineStart) == '\r') {
                return i + 1;
            }
            lineStart = i + 1;
        }
        return -1;
    }

    private void onHead(ChannelHandlerContext ctx, String head) {
        RequestHead request = RequestHead.parse(head);
        if (request == null) {
            answer(ctx, 400, "Bad Request", "malformed request head");
            return;
        }
        if (!runtime.options().httpProxy().admits(request.header("proxy-authorization"))) {
            answer(ctx, 407, "Proxy Authentication Required", "proxy credentials required",
                    "Proxy-Authenticate: Basic realm=\"censorsim\"\r\n");
            return;
        }
        Target target = request.method.equals("CONNECT")
                ? Target.authority(request.target, -1)
                : Target.absoluteHttp(request.target);
        if (target == null) {
            answer(ctx, 400, "Bad Request", request.method.equals("CONNECT")
                    ? "CONNECT needs host:port"
                    : "this is a proxy: send CONNECT host:port or a request with an absolute http:// URI");
            return;
        }
        connecting = true;
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(target.host);
        if (literal != null) {
            connect(ctx, request, target, new InetSocketAddress(literal, target.port), null);
        } else {
            resolve(ctx, request, target);
        }
    }

    /** As the SOCKS front end: the options' resolver off the event loop, bounded by the connect timeout. */
    private void resolve(ChannelHandlerContext ctx, RequestHead request, Target target) {
        Promise<InetSocketAddress> resolved = ctx.executor().newPromise();
        ScheduledFuture<?> deadline = ctx.executor().schedule(
                () -> resolved.tryFailure(new UnknownHostException(target.host + ": resolver did not answer")),
                runtime.options().connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        try {
            runtime.options().resolver().resolve(target.host, target.port).whenComplete((address, failure) -> {
                if (failure != null) {
                    resolved.tryFailure(failure);
                } else if (address == null || address.isUnresolved()) {
                    resolved.tryFailure(new UnknownHostException(target.host + ": no address"));
                } else {
                    resolved.trySuccess(address);
                }
            });
        } catch (RuntimeException e) {
            resolved.tryFailure(e);
        }
        resolved.addListener(f -> {
            deadline.cancel(false);
            if (f.isSuccess()) {
                connect(ctx, request, target, resolved.getNow(), target.host);
            } else {
                String why = "cannot resolve " + target.host;
                answer(ctx, 502, "Bad Gateway", why);
                runtime.reportUnconnected(clientAddress(ctx), null, target.host, acceptedNanos, FlowEnd.ERROR,
                        why + ": " + rootMessage(f.cause()));
            }
        });
    }

    private void connect(ChannelHandlerContext ctx, RequestHead request, Target target, InetSocketAddress server,
                         String name) {
        Channel client = ctx.channel();
        if (!client.isActive()) {
            return;
        }
        if (isSelf(client, server)) {
            answer(ctx, 403, "Forbidden", "the target is this proxy");
            return;
        }
        runtime.connectUpstream(client, server).addListener((ChannelFuture f) -> {
            Channel upstream = f.channel();
            if (!f.isSuccess()) {
                FlowEnd how = ProxyRuntime.connectFailure(f.cause());
                String why = "cannot connect to " + FlowRecord.format(server) + ": " + f.cause().getMessage();
                if (how == FlowEnd.TIMEOUT) {
                    answer(ctx, 504, "Gateway Timeout", why);
                } else {
                    answer(ctx, 502, "Bad Gateway", why);
                }
                runtime.reportUnconnected(clientAddress(ctx), server, name, acceptedNanos, how,
                        String.valueOf(f.cause().getMessage()));
                return;
            }
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            ByteBuf first;
            if (request.method.equals("CONNECT")) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(CONNECTED));
                first = buffer.isReadable() ? buffer : null;
                if (first == null) {
                    buffer.release();
                }
            } else {
                ByteBuf rewritten = Unpooled.wrappedBuffer(request.originForm(target)
                        .getBytes(StandardCharsets.ISO_8859_1));
                first = ctx.alloc().compositeBuffer(2).addComponents(true, rewritten, buffer);
            }
            buffer = null;
            ctx.pipeline().remove(this);
            Flow.start(runtime, client, upstream, name, acceptedNanos, first);
        });
    }

    /** A target on this proxy's own port and an address of this host would make the proxy connect to itself. */
    private static boolean isSelf(Channel client, InetSocketAddress server) {
        InetSocketAddress local = (InetSocketAddress) client.localAddress();
        if (local == null || local.getPort() != server.getPort()) {
            return false;
        }
        InetAddress address = server.getAddress();
        return address.equals(local.getAddress()) || address.isLoopbackAddress() || address.isAnyLocalAddress();
    }

    private void answer(ChannelHandlerContext ctx, int status, String reason, String body) {
        answer(ctx, status, reason, body, "");
    }

    private void answer(ChannelHandlerContext ctx, int status, String reason, String body, String extraHeaders) {
        ReferenceCountUtil.safeRelease(buffer);
        buffer = null;
        connecting = true; // nothing more is parsed on this connection
        if (!ctx.channel().isActive()) {
            return;
        }
        byte[] text = (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n" + extraHeaders
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + text.length
                + "\r\nConnection: close\r\n\r\n";
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.ISO_8859_1), text))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private static String rootMessage(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    private static InetSocketAddress clientAddress(ChannelHandlerContext ctx) {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ReferenceCountUtil.safeRelease(buffer);
        buffer = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Where a request wants to go. */
    record Target(String host, int port, String authority, String path) {

        /**
         * {@code host:port}, {@code [v6]:port}, or without the port when {@code defaultPort} is given (RFC 9110
         * section 4.2.1 {@code authority = host [":" port]}). Userinfo is refused.
         */
        static Target authority(String authority, int defaultPort) {
            if (authority.isEmpty() || authority.indexOf('@') >= 0) {
                return null;
            }
            String host;
            String portText;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    return null;
                }
                host = authority.substring(1, close);
                String rest = authority.substring(close + 1);
                if (!rest.isEmpty() && !rest.startsWith(":")) {
                    return null;
                }
                portText = rest.isEmpty() ? null : rest.substring(1);
            } else {
                int colon = authority.lastIndexOf(':');
                host = colon < 0 ? authority : authority.substring(0, colon);
                portText = colon < 0 ? null : authority.substring(colon + 1);
                if (host.indexOf(':') >= 0) {
                    return null; // an IPv6 literal must be bracketed
                }
            }
            int port;
            if (portText == null) {
                if (defaultPort < 0) {
                    return null;
                }
                port = defaultPort;
            } else {
                if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
                    return null;
                }
                port = Integer.parseInt(portText);
            }
            if (host.isEmpty() || port < 1 || port > 65_535) {
                return null;
            }
            return new Target(host, port, authority, null);
        }

        /** {@code http://authority/path?query} (RFC 9112 section 3.2.2); the fragment, never sent, is not expected. */
        static Target absoluteHttp(String uri) {
            if (uri.length() < 8 || !uri.regionMatches(true, 0, "http://", 0, 7)) {
                return null;
            }
            int end = 7;
            while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
                end++;
            }
            Target authority = authority(uri.substring(7, end), 80);
            if (authority == null) {
                return null;
            }
            String path = uri.substring(end);
            int fragment = path.indexOf('#');
            if (fragment >= 0) {
                path = path.substring(0, fragment);
            }
            if (path.isEmpty()) {
                path = "/";
            } else if (path.charAt(0) == '?') {
                path = "/" + path;
            }
            return new Target(authority.host, authority.port, authority.authority, path);
        }
    }

    /** A parsed request head: request line and header fields, in order. */
    record RequestHead(String method, String target, String version, List<String[]> headers) {

        /** Parses {@code method SP request-target SP HTTP-version} and the fields; {@code null} when malformed. */
        static RequestHead parse(String head) {
            String[] lines = head.split("\n", -1);
            String requestLine = stripCr(lines[0]);
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()
                    || !parts[2].startsWith("HTTP/1.") || !parts[0].chars().allMatch(HttpProxyFrontendHandler::isTchar)) {
                return null;
            }
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                String line = stripCr(lines[i]);
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                // RFC 9112 section 5.1: no whitespace between the field name and the colon; obs-fold is refused.
                if (colon < 1 || line.charAt(0) == ' ' || line.charAt(0) == '\t'
                        || !line.substring(0, colon).chars().allMatch(HttpProxyFrontendHandler::isTchar)) {
                    return null;
                }
                headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
            }
            return new RequestHead(parts[0], parts[1], parts[2], headers);
        }

        String header(String name) {
            for (String[] field : headers) {
                if (field[0].equalsIgnoreCase(name)) {
                    return field[1];
                }
            }
            return null;
        }

        /** The head to send upstream: origin-form request line, the end-to-end fields, {@code Connection: close}. */
        String originForm(Target target) {
            StringBuilder out = new StringBuilder(256);
            out.append(method).append(' ').append(target.path).append(' ').append(version).append("\r\n");
            boolean host = false;
            for (String[] field : headers) {
                String lower = field[0].toLowerCase(Locale.ROOT);
                if (HOP_BY_HOP.contains(lower)) {
                    continue;
                }
                if (lower.equals("host")) {
                    host = true;
                }
                out.append(field[0]).append(": ").append(field[1]).append("\r\n");
            }
            if (!host) {
                out.append("Host: ").append(target.authority).append("\r\n");
            }
            return out.append("Connection: close\r\n\r\n").toString();
        }

        private static String stripCr(String line) {
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }
    }

    /** RFC 9110 section 5.6.2 token characters. */
    private static boolean isTchar(int c) {
        return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
