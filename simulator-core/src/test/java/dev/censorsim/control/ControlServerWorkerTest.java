package dev.censorsim.control;

import static dev.censorsim.control.RawHttp.connect;
import static dev.censorsim.control.RawHttp.readResponse;
import static dev.censorsim.control.RawHttp.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.censorsim.testing.LeakWatch;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The control server's one worker thread, over raw sockets: a route that throws an {@link Error}, and the requests
 * queued behind a running route, or its answer, when the server closes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControlServerWorkerTest {

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    @Test
    void aRouteThatThrowsAnErrorShouldGet500AndTheWorkerShouldLive() throws Exception {
        AtomicReference<Thread> threw = new AtomicReference<>();
        AtomicReference<Thread> counted = new AtomicReference<>();
        RouteHandler routes = request -> switch (request.uri()) {
            case "/assert" -> {
                threw.set(Thread.currentThread());
                throw new AssertionError("a route's bug\nsecond line");
            }
            case "/oom" -> throw new OutOfMemoryError("unable to create native thread");
            case "/count" -> {
                counted.set(Thread.currentThread());
                yield Json.body(HttpResponseStatus.OK, "text/plain", "counted");
            }
            default -> null;
        };
        // Far beyond the socket's read timeout: only an answer from the route's failure can come in time.
        ControlServer server = start(ControlServer.builder().requestTimeout(Duration.ofSeconds(40)).handler(routes));

        try (Socket socket = connect(server)) {
            for (String path : List.of("/assert", "/oom")) {
                send(socket, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                String answer = readResponse(socket.getInputStream());
                assertThat(answer).as(path).startsWith("HTTP/1.1 500 ");
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                assertThat(body.stripTrailing()).as("one line of JSON").doesNotContain("\n");
                JsonNode json = Json.MAPPER.readTree(body);
                assertThat(json.get("status").asInt()).isEqualTo(500);
                assertThat(json.get("error").asText()).startsWith(path.equals("/oom") ? "OutOfMemoryError: "
                        : "AssertionError: a route's bug");
            }
            send(socket, "GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 ").endsWith("counted");
        }
        assertThat(counted.get()).as("the same worker thread answers after the errors").isSameAs(threw.get());
    }

    @Test
    void closeShouldReleaseTheQueuedRequestsAndTheAnswerOfTheRunningOne() throws Exception {
        LeakWatch.install();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<FullHttpResponse> late = new AtomicReference<>();
        RouteHandler routes = request -> {
            if (request.uri().equals("/block")) {
                entered.countDown();
                awaitIgnoringInterrupts(release); // close() interrupts the worker; this route finishes anyway
                FullHttpResponse response = Json.body(HttpResponseStatus.OK, "text/plain", "late");
                late.set(response);
                return response;
            }
            return Json.body(HttpResponseStatus.OK, "text/plain", "queued");
        };
        ControlServer server = ControlServer.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .handler(routes).start();
        List<Socket> sockets = new ArrayList<>();
        try {
            Socket blocking = connect(server);
            sockets.add(blocking);
            send(blocking, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("the blocking route runs").isTrue();
            String body = "b".repeat(4096);
            for (int i = 0; i < 8; i++) {
                Socket queued = connect(server);
                sockets.add(queued);
                send(queued, "POST /queued HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n"
                        + body);
            }
            Thread.sleep(500); // loopback: the eight requests reach the worker's queue in far less

            server.close();
            release.countDown();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((late.get() == null || late.get().refCnt() != 0) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(late.get()).as("the blocked route returned").isNotNull();
            assertThat(late.get().refCnt()).as("its answer, which nobody is left to send, is released").isZero();
            LeakWatch.assertNoLeaks();
        } finally {
            release.countDown();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private ControlServer start(ControlServer.Builder builder) throws IOException {
        ControlServer server = builder.listen(new InetSocketAddress("127.0.0.1", 0)).start();
        cleanup.add(server);
        return server;
    }
}
