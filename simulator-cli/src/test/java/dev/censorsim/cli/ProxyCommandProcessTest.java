package dev.censorsim.cli;

import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim proxy} as a real process: it prints its banner, relays a flow, prints one line for it, and on
 * SIGTERM shuts down gracefully and prints the rule counters.
 */
class ProxyCommandProcessTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void proxyShouldLogEachFlowAndPrintCountersOnSigterm(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, """
                rules:
                  - name: slow-everything
                    match: { protocol: [unknown] }
                    action: { type: delay, latency: 5ms }
                """);
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            int port = freePort();
            Process process = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "proxy", "--listen", "127.0.0.1:" + port,
                    "--upstream", HostPortConverter.format(echo.address()),
                    "--policy", policy.toString()))
                    .redirectErrorStream(true)
                    .start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).startsWith("censorsim proxy: listening on 127.0.0.1:" + port)
                        .contains("(1 rules)");
                assertThat(out.readLine()).contains("Ctrl-C");

                try (Socket client = new Socket()) {
                    client.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                    client.setSoTimeout(5_000);
                    client.getOutputStream().write("hello censor".getBytes(StandardCharsets.US_ASCII));
                    client.shutdownOutput();
                    assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .isEqualTo("hello censor");
                }
                String flowLine = out.readLine();
                assertThat(flowLine).startsWith("127.0.0.1:").contains("rule=slow-everything").contains("up=12B")
                        .contains("down=12B");

                // SIGTERM; Process.destroy() would also close our end of the child's stdout.
                new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
                StringBuilder rest = new StringBuilder();
                for (String line; (line = out.readLine()) != null; ) {
                    rest.append(line).append('\n');
                }
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
                assertThat(rest).contains("censorsim: rule counters").containsPattern("slow-everything +1 +12 +12");
            } finally {
                process.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
