package dev.censorsim.control;

import static dev.censorsim.control.RawHttp.connect;
import static dev.censorsim.control.RawHttp.readResponse;
import static dev.censorsim.control.RawHttp.readResponseOrNull;
import static dev.censorsim.control.RawHttp.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The control server against clients that misbehave on the wire, over raw sockets: a malformed escape in the request
 * target, a request that never arrives whole, a connection left idle, a body sent without the token, and more
 * pipelined requests than a connection may have waiting.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControlServerHostileClientTest {

    private static final Duration SHORT = Duration.ofMillis(300);

    /** Answers {@code GET /count} with how many times it ran; nothing else. */
    private final AtomicInteger counted = new AtomicInteger();
    private final RouteHandler count = request -> {
        if (!request.uri().equals("/count")) {
            return null;
        }
        byte[] body = Integer.toString(counted.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    };
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    @Test
    void aMalformedEscapeInTheTargetShouldGet400AndLeaveTheConnectionUsable() throws Exception {
        ControlServer server = start(ControlServer.builder());
        try (Socket socket = connect(server)) {
            send(socket, "GET /%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "a".repeat(1000));
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 400 ")
                    .contains("malformed request target");

            send(socket, "POST /censorsim/phase/50%zoff?recent=%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 400 ");

            send(socket, "GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n1");
        }
    }

    @Test
    void aRequestThatNeverArrivesWholeShouldBeClosedAtTheReadTimeout() throws Exception {
        ControlServer server = start(ControlServer.builder().readTimeout(SHORT));
        try (Socket socket = connect(server)) {
            send(socket, "PUT /censorsim/policy HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\nrules:");

            assertThat(endsWithin(socket, Duration.ofSeconds(10))).as("the server closed the connection").isTrue();
        }
        assertThat(counted).hasValue(0);
    }

    @Test
    void aConnectionLeftIdleShouldBeClosedAtTheIdleTimeoutAndABusyOneShouldNot() throws Exception {
        ControlServer server = start(ControlServer.builder().idleTimeout(Duration.ofMillis(600)));
        try (Socket socket = connect(server)) {
            for (int i = 1; i <= 4; i++) {
                // Requests 200 ms apart keep the connection: each answer restarts the idle clock.
                send(socket, "GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(socket.getInputStream())).endsWith("\r\n\r\n" + i);
                Thread.sleep(200);
            }

            assertThat(endsWithin(socket, Duration.ofSeconds(10))).as("the server closed the idle connection").isTrue();
        }
    }

    @Test
    void aRequestWithoutTheTokenShouldBeRefusedBeforeItsBodyIsSent() throws Exception {
        ControlServer server = start(ControlServer.builder().token("secret"));
        try (Socket socket = connect(server)) {
            // The head alone: the body never comes, so only a refusal on the head can answer this.
            send(socket, "PUT /censorsim/policy HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");

            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 401 ")
                    .contains("www-authenticate: Bearer");
            assertThat(endsWithin(socket, Duration.ofSeconds(10))).as("and closed the connection").isTrue();
        }
        try (Socket socket = connect(server)) {
            send(socket, "GET /count HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n\r\n");
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void pipelinedRequestsShouldBeAnsweredInOrderAndThoseBeyondTheLimitDropped() throws Exception {
        ControlServer server = start(ControlServer.builder());
        int sent = ControlServer.MAX_PIPELINED_REQUESTS + 6;
        try (Socket socket = connect(server)) {
            send(socket, "GET /count HTTP/1.1\r\nHost: x\r\n\r\n".repeat(sent));

            List<String> answers = new ArrayList<>();
            for (String answer; (answer = readResponseOrNull(socket.getInputStream())) != null; ) {
                answers.add(answer);
                if (answers.size() == sent) {
                    break;
                }
            }
            assertThat(answers.size()).as("one being answered and %d waiting at least",
                    ControlServer.MAX_PIPELINED_REQUESTS)
                    .isGreaterThanOrEqualTo(ControlServer.MAX_PIPELINED_REQUESTS + 1);
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i)).as("answer %d, in order", i + 1).endsWith("\r\n\r\n" + (i + 1));
            }
            assertThat(counted).as("a dropped request never runs").hasValue(answers.size());
            if (answers.size() < sent) {
                assertThat(endsWithin(socket, Duration.ofSeconds(10))).as("closed after the last answer").isTrue();
            }
        }
    }

    private ControlServer start(ControlServer.Builder builder) throws IOException {
        ControlServer server = builder.listen(new InetSocketAddress("127.0.0.1", 0)).handler(count).start();
        cleanup.add(server);
        return server;
    }

    /** Whether the server ends the connection (EOF or reset) within {@code bound}, reading whatever comes first. */
    private static boolean endsWithin(Socket socket, Duration bound) throws IOException {
        socket.setSoTimeout((int) bound.toMillis());
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            long deadline = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < deadline) {
                if (in.read(buffer) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
