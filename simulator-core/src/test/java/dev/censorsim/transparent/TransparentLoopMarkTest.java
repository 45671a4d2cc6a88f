package dev.censorsim.transparent;

import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim run --host}: the backend on the host's 127.0.0.1 sees the relayed connection from the
 * hop-counting 127.67.83.1 by default and from 127.0.0.1 with {@code loopMark(false)} ({@code --no-loop-mark}).
 * Needs root, iproute2, nftables and curl.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransparentLoopMarkTest {

    private static final String BACKEND = "db.test";

    @BeforeAll
    static void tools() throws Exception {
        Interceptions.requireRootTools();
        Tools.require("curl", "apt-get install curl");
    }

    @Test
    void hostBackendShouldSeeTheMarkedSourceByDefault() throws Exception {
        assertThat(peerSeenByBackend(true)).isEqualTo("127.67.83.1");
    }

    @Test
    void hostBackendShouldSeeLoopbackWithoutLoopMark() throws Exception {
        assertThat(peerSeenByBackend(false)).isEqualTo("127.0.0.1");
    }

    private static String peerSeenByBackend(boolean loopMark) throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            backend.setSoTimeout(60_000);
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
                try (Socket accepted = backend.accept()) {
                    accepted.getOutputStream().write(
                            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    return accepted.getInetAddress().getHostAddress();
                } catch (Exception e) {
                    return "no connection: " + e;
                }
            });
            TransparentRunOptions options = TransparentRunOptions.builder()
                    .policy(TransparentRunTest.policy("rules: []\n"))
                    .host(BACKEND)
                    .loopMark(loopMark)
                    .build();
            String namespace;
            try (TransparentRun run = TransparentRun.start(options)) {
                namespace = run.namespaceName();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int code = run.execute(List.of("curl", "-4", "-sS", "--max-time", "20",
                        "http://" + BACKEND + ":" + backend.getLocalPort() + "/"), out, err);
                assertThat(code).as(err.toString()).isZero();
                assertThat(out.toString()).isEqualTo("ok");
            }
            Interceptions.assertNothingLeft(namespace);
            return peer.get(30, TimeUnit.SECONDS);
        }
    }
}
