package dev.censorsim.proxy;

import com.sun.net.httpserver.HttpServer;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP proxy front end over real sockets: CONNECT, absolute-URI forwarding, and each refusal. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpProxyFrontendTest {

    private HttpServer web;
    private final List<String> seenRequests = new CopyOnWriteArrayList<>();
    private CensorProxy proxy;

    @BeforeEach
    void startWebServer() throws IOException {
        web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        web.createContext("/", exchange -> {
            seenRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host="
                    + exchange.getRequestHeaders().getFirst("Host") + " proxy-connection="
                    + exchange.getRequestHeaders().getFirst("Proxy-Connection") + " connection="
                    + exchange.getRequestHeaders().getFirst("Connection"));
            byte[] body = "hello from the origin\n".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        web.stop(0);
    }

    @Test
    void absoluteUriShouldBeForwardedInOriginFormWithoutProxyHeaders() throws Exception {
        proxy = start(ProxyOptions.http().resolver(names()));

        String response = exchange("GET http://origin.test:" + web.getAddress().getPort() + "/path?q=1 HTTP/1.1\r\n"
                + "Host: origin.test:" + web.getAddress().getPort() + "\r\nProxy-Connection: keep-alive\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200").contains("hello from the origin");
        assertThat(seenRequests).singleElement().asString()
                .startsWith("GET /path?q=1 host=origin.test:")
                .contains("proxy-connection=null", "connection=close");
    }

    @Test
    void hostRuleShouldResetPlainHttpRequestsForThatHost() throws Exception {
        PolicyHolder holder = new PolicyHolder(PolicyLoader.parse("""
                rules:
                  - name: host-reset
                    match: { host: [origin.test] }
                    action: { type: reset }
                """, "policy"));
        RecordingListener records = new RecordingListener();
        proxy = start(ProxyOptions.http().resolver(names()).policy(holder).listener(records));

        assertThatThrownBy(() -> exchange("GET http://origin.test:" + web.getAddress().getPort()
                + "/ HTTP/1.1\r\nHost: origin.test\r\n\r\n"))
                .isInstanceOf(SocketException.class).hasMessageContaining("reset");
        FlowRecord record = records.next(5_000);
        assertThat(record.target()).isEqualTo("origin.test");
        assertThat(record.ruleName()).isEqualTo("host-reset");
        assertThat(seenRequests).isEmpty();
    }

    @Test
    void connectShouldTunnelBytesBothWaysWithTheTargetNameOnTheFlow() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            proxy = start(ProxyOptions.http().resolver(NameResolver.staticMap(
                    Map.of("echo.test", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))))
                    .listener(records));
            try (Socket socket = connect()) {
                OutputStream out = socket.getOutputStream();
                out.write(("CONNECT echo.test:" + echo.address().getPort() + " HTTP/1.1\r\nHost: echo.test:" + echo.address().getPort()
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                assertThat(readHead(in)).startsWith("HTTP/1.1 200 Connection established");
                out.write("ping".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");
            }
            FlowRecord record = records.next(5_000);
            assertThat(record.target()).isEqualTo("echo.test");
            assertThat(record.bytesUp()).isEqualTo(4);
        }
    }

    @Test
    void originFormRequestShouldGet400() throws Exception {
        proxy = start(ProxyOptions.http());

        assertThat(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400 ")
                .contains("this is a proxy");
    }

    @Test
    void connectWithoutPortShouldGet400() throws Exception {
        proxy = start(ProxyOptions.http());

        assertThat(exchange("CONNECT example.test HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void oversizedHeadShouldGet431() throws Exception {
        proxy = start(ProxyOptions.http());

        String huge = "X-Filler: " + "a".repeat(HttpProxyFrontendHandler.MAX_HEAD_BYTES) + "\r\n";
        assertThat(exchange("CONNECT a.test:443 HTTP/1.1\r\n" + huge + "\r\n")).startsWith("HTTP/1.1 431 ");
    }

    @Test
    void missingCredentialsShouldGet407AndRightOnesShouldPass() throws Exception {
        proxy = start(ProxyOptions.http().resolver(names()).httpProxy(new HttpProxySettings("alice:s3cret")));
        String request = "GET http://origin.test:" + web.getAddress().getPort() + "/ HTTP/1.1\r\nHost: origin.test\r\n";

        assertThat(exchange(request + "\r\n")).startsWith("HTTP/1.1 407 ")
                .contains("Proxy-Authenticate: Basic realm=\"censorsim\"");
        String wrong = Base64.getEncoder().encodeToString("alice:guess".getBytes(StandardCharsets.UTF_8));
        assertThat(exchange(request + "Proxy-Authorization: Basic " + wrong + "\r\n\r\n")).startsWith("HTTP/1.1 407 ");
        String right = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(exchange(request + "Proxy-Authorization: Basic " + right + "\r\n\r\n")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void connectToTheProxyItselfShouldGet403() throws Exception {
        proxy = start(ProxyOptions.http());

        assertThat(exchange("CONNECT 127.0.0.1:" + proxy.localAddress().getPort() + " HTTP/1.1\r\n\r\n"))
                .startsWith("HTTP/1.1 403 ");
    }

    @Test
    void unresolvableNameShouldGet502() throws Exception {
        proxy = start(ProxyOptions.http().resolver(NameResolver.staticMap(Map.of())));

        assertThat(exchange("CONNECT nowhere.test:443 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 502 ")
                .contains("cannot resolve nowhere.test");
    }

    @Test
    void refusedConnectShouldGet502() throws Exception {
        int closedPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        proxy = start(ProxyOptions.http());

        assertThat(exchange("CONNECT 127.0.0.1:" + closedPort + " HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 502 ");
    }

    @Test
    void headEndShouldAcceptCrlfAndBareLf() {
        ByteBuf crlf = Unpooled.copiedBuffer("GET / HTTP/1.1\r\nA: b\r\n\r\nrest", StandardCharsets.US_ASCII);
        ByteBuf lf = Unpooled.copiedBuffer("GET / HTTP/1.1\nA: b\n\nrest", StandardCharsets.US_ASCII);
        ByteBuf partial = Unpooled.copiedBuffer("GET / HTTP/1.1\r\nA: b\r\n", StandardCharsets.US_ASCII);
        try {
            assertThat(HttpProxyFrontendHandler.headEnd(crlf)).isEqualTo(crlf.writerIndex() - 4);
            assertThat(HttpProxyFrontendHandler.headEnd(lf)).isEqualTo(lf.writerIndex() - 4);
            assertThat(HttpProxyFrontendHandler.headEnd(partial)).isEqualTo(-1);
        } finally {
            crlf.release();
            lf.release();
            partial.release();
        }
    }

    @Test
    void targetParserShouldTakeBracketedIpv6AndRefuseUserinfo() {
        assertThat(HttpProxyFrontendHandler.Target.authority("[::1]:8443", -1))
                .extracting(HttpProxyFrontendHandler.Target::host, HttpProxyFrontendHandler.Target::port)
                .containsExactly("::1", 8443);
        assertThat(HttpProxyFrontendHandler.Target.authority("user@host:80", -1)).isNull();
        assertThat(HttpProxyFrontendHandler.Target.authority("::1:80", -1)).isNull();
        assertThat(HttpProxyFrontendHandler.Target.authority("host:99999", -1)).isNull();
        assertThat(HttpProxyFrontendHandler.Target.absoluteHttp("http://h.test?x=1").path()).isEqualTo("/?x=1");
        assertThat(HttpProxyFrontendHandler.Target.absoluteHttp("ftp://h.test/")).isNull();
    }

    private CensorProxy start(ProxyOptions.Builder builder) throws IOException {
        return CensorProxy.start(builder.build());
    }

    /** Every name to the loopback address, keeping the client's port. */
    private static NameResolver names() {
        return (host, port) -> CompletableFuture.completedFuture(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(proxy.localAddress(), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends {@code request} and reads the whole answer until the proxy or origin closes. */
    private String exchange(String request) throws IOException {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
