package dev.censorsim.transparent;

import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fully-encrypted block with its residual state in transparent mode, against an unmodified Python client in a
 * namespace censorsim intercepts: a random first packet to one port of a host is black-holed, an HTTP request to the
 * same port is swallowed in the window, the same request to another port of the host is echoed, and after the window
 * the first port echoes again. Needs root, iproute2, nftables and python3; closing leaves nothing behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransparentResidualTest {

    private static final String CLIENT = """
            import random, socket, sys, time
            host, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            def echoes(port, payload):
                c = socket.create_connection((host, port), timeout=5)
                c.settimeout(1.0)
                try:
                    c.sendall(payload)
                    got = b""
                    while len(got) < len(payload):
                        chunk = c.recv(4096)
                        if not chunk:
                            return False
                        got += chunk
                    return True
                except OSError:
                    return False
                finally:
                    c.close()
            rng = random.Random(7)
            shadowsocks_like = bytes(rng.getrandbits(8) for _ in range(64))
            http = b"GET / HTTP/1.1\\r\\nHost: fe.test\\r\\n\\r\\n"
            print("random", echoes(a, shadowsocks_like))
            print("http-same-port", echoes(a, http))
            print("http-other-port", echoes(b, http))
            time.sleep(4)
            print("http-after-window", echoes(a, http))
            """;

    @Test
    void residualStateShouldCatchTheSamePortOnlyAndForItsWindowOnly() throws Exception {
        Interceptions.requireRootTools();
        Tools.require("python3", "apt-get install python3");
        try (LoopbackServer first = LoopbackServer.start(LoopbackServer.echo());
             LoopbackServer second = LoopbackServer.start(LoopbackServer.echo())) {
            TransparentRunOptions options = TransparentRunOptions.builder()
                    .policy(TransparentRunTest.policy("""
                            rules:
                              - name: fully-encrypted
                                match: { protocol: [fully-encrypted] }
                                action: { type: blackhole, residual: { scope: 3-tuple, for: 3s, flows: all } }
                            """))
                    .host("fe.test")
                    .build();
            String namespace;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (TransparentRun run = TransparentRun.start(options)) {
                namespace = run.namespaceName();
                int exit = run.execute(List.of("python3", "-c", CLIENT, "fe.test",
                        Integer.toString(first.address().getPort()), Integer.toString(second.address().getPort())),
                        out, err);
                assertThat(exit).as(err.toString()).isZero();
            }
            Interceptions.assertNothingLeft(namespace);
            assertThat(out.toString().lines().toList()).containsExactly(
                    "random False", "http-same-port False", "http-other-port True", "http-after-window True");
        }
    }
}
