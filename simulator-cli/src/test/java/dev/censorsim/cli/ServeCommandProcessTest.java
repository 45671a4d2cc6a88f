package dev.censorsim.cli;

import dev.censorsim.testing.Curl;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Processes;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim serve} as a real process with every front end on ephemeral loopback ports: real curl through its
 * HTTP proxy and SOCKS5 to {@code openssl s_server}, names from the zone file only; the policy changed by the API,
 * by {@code --watch} and by SIGHUP; a bad file keeps the policy in force and says file:line:col.
 */
class ServeCommandProcessTest {

    private static final String BLOCKED = "blocked.lab.test";
    private static final String ALLOWED = "allowed.lab.test";
    private static final String PASS_ALL = "rules: []\n";
    private static final String RESET_BLOCKED = """
            rules:
              - name: blocked-sni
                match: { sni: [%s] }
                action: { type: reset }
            """.formatted(BLOCKED);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void serveShouldFollowTheApiTheWatchedFileAndSighup(@TempDir Path dir) throws Exception {
        Path zone = dir.resolve("lab.zone");
        Files.writeString(zone, """
                $ORIGIN lab.test.
                $TTL 60
                @        IN SOA ns.lab.test. admin.lab.test. 1 3600 600 86400 60
                blocked  IN A 127.0.0.1
                allowed  IN A 127.0.0.1
                """);
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, PASS_ALL);
        try (OpenSslServer tls = OpenSslServer.start(ALLOWED, BLOCKED)) {
            Process process = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "serve", "--socks", "127.0.0.1:0", "--http-proxy", "127.0.0.1:0", "--dns", "127.0.0.1:0",
                    "--zone", zone.toString(), "--api", "127.0.0.1:0", "--policy", policy.toString(),
                    "--watch", "--watch-interval", "100ms"))
                    .redirectErrorStream(true)
                    .start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "serve-output");
            reader.setDaemon(true);
            reader.start();
            try {
                String banner = next(lines, "censorsim serve: ");
                int socks = port(banner, "socks");
                int http = port(banner, "http");
                int api = port(banner, "api http://");
                assertThat(banner).contains("dns 127.0.0.1:", "(0 rules");

                assertThat(curl(tls, "-x", "http://127.0.0.1:" + http, BLOCKED).exitCode()).isZero();

                // The API swaps in a reset rule: both proxies reset the blocked name, the other still works.
                HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + api + "/censorsim/policy"))
                        .timeout(Duration.ofSeconds(10))
                        .PUT(HttpRequest.BodyPublishers.ofString(RESET_BLOCKED)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
                assertReset(curl(tls, "-x", "http://127.0.0.1:" + http, BLOCKED));
                assertReset(curl(tls, "--socks5-hostname", "127.0.0.1:" + socks, BLOCKED));
                assertThat(curl(tls, "--socks5-hostname", "127.0.0.1:" + socks, ALLOWED).exitCode()).isZero();
                assertThat(next(lines, "[http] ", "rule=blocked-sni")).contains("action=reset", "end=reset");

                // --watch: the file now passes everything.
                Files.writeString(policy, PASS_ALL + "# edited\n");
                assertThat(next(lines, "censorsim serve: policy reloaded")).contains("(0 rules");
                assertThat(curl(tls, "-x", "http://127.0.0.1:" + http, BLOCKED).exitCode()).isZero();

                // A broken file: one line with file:line:col, and the policy in force stays.
                Files.writeString(policy, "rules:\n  - name: broken\n    match: { sni: [x] }\n    action: { type: nope }\n");
                assertThat(next(lines, "censorsim serve: " + policy)).matches(".*policy\\.yaml:\\d+:\\d+: .*")
                        .contains("keeping the policy in force");
                assertThat(curl(tls, "-x", "http://127.0.0.1:" + http, BLOCKED).exitCode()).isZero();

                // SIGHUP re-reads the file at once.
                Files.writeString(policy, RESET_BLOCKED);
                new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start().waitFor();
                assertThat(next(lines, "censorsim serve: policy reloaded")).contains("(1 rules");
                assertReset(curl(tls, "-x", "http://127.0.0.1:" + http, BLOCKED));

                new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
                assertThat(lines).as("nothing after the counters").noneMatch(l -> l.contains("Exception"));
            } finally {
                process.destroyForcibly();
            }
        }
    }

    /**
     * {@code serve --pcap}: the HTTP CONNECT, SOCKS5 and UDP forward fronts write one pcap; tshark reads the blocked
     * name's ClientHello SNI in both TCP flows, each ends with the censor's RST, and the UDP forward's datagram and
     * its echo are there.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void pcapShouldHoldEveryFrontsFlowsWithTheSniAndTheReset(@TempDir Path dir) throws Exception {
        Tools.require("tshark", "apt-get install tshark");
        Path zone = dir.resolve("lab.zone");
        Files.writeString(zone, """
                $ORIGIN lab.test.
                $TTL 60
                @        IN SOA ns.lab.test. admin.lab.test. 1 3600 600 86400 60
                blocked  IN A 127.0.0.1
                """);
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, RESET_BLOCKED);
        Path pcap = dir.resolve("serve.pcap");
        byte[] payload = "censorsim-pcap-udp".getBytes(StandardCharsets.US_ASCII);
        try (OpenSslServer tls = OpenSslServer.start(ALLOWED, BLOCKED);
             DatagramSocket echo = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Thread echoes = new Thread(() -> {
                byte[] buffer = new byte[2048];
                try {
                    for (;;) {
                        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        echo.receive(packet);
                        echo.send(packet);
                    }
                } catch (IOException closed) {
                    // the test ended
                }
            }, "udp-echo");
            echoes.setDaemon(true);
            echoes.start();
            Process process = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "serve", "--socks", "127.0.0.1:0", "--http-proxy", "127.0.0.1:0", "--no-api",
                    "--forward", "echo=udp:127.0.0.1:0,127.0.0.1:" + echo.getLocalPort(),
                    "--zone", zone.toString(), "--policy", policy.toString(), "--pcap", pcap.toString()))
                    .redirectErrorStream(true)
                    .start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "serve-output");
            reader.setDaemon(true);
            reader.start();
            int socks;
            int http;
            int udp;
            try {
                String banner = next(lines, "censorsim serve: ");
                socks = port(banner, "socks");
                http = port(banner, "http");
                udp = port(banner, "echo (udp)");

                assertReset(curl(tls, "-x", "http://127.0.0.1:" + http, BLOCKED));
                assertReset(curl(tls, "--socks5-hostname", "127.0.0.1:" + socks, BLOCKED));
                try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    client.setSoTimeout(10_000);
                    client.send(new DatagramPacket(payload, payload.length, new InetSocketAddress("127.0.0.1", udp)));
                    DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
                    client.receive(reply);
                    assertThat(reply.getLength()).isEqualTo(payload.length);
                }

                new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
                assertThat(next(lines, "censorsim: wrote ")).contains(pcap.toString());
            } finally {
                process.destroyForcibly();
            }

            ProcessResult hellos = Processes.run(List.of("tshark", "-n", "-r", pcap.toString(),
                    "-d", "tcp.port==" + http + ",http", "-d", "tcp.port==" + socks + ",socks",
                    "-d", "tcp.port==" + tls.port() + ",tls", "-Y", "tls.handshake.type==1", "-T", "fields",
                    "-e", "tcp.dstport", "-e", "tls.handshake.extensions_server_name"), Duration.ofSeconds(30));
            assertThat(hellos.stdout().strip().split("\n")).as(hellos.toString())
                    .containsExactlyInAnyOrder(http + "\t" + BLOCKED, socks + "\t" + BLOCKED);
            ProcessResult resets = Processes.run(List.of("tshark", "-n", "-r", pcap.toString(),
                    "-Y", "tcp.flags.reset==1", "-T", "fields", "-e", "tcp.srcport"), Duration.ofSeconds(30));
            assertThat(resets.stdout().strip().split("\n")).as("the censor's RST ends each flow: %s", resets)
                    .containsExactlyInAnyOrder(Integer.toString(http), Integer.toString(socks));
            ProcessResult datagrams = Processes.run(List.of("tshark", "-n", "-r", pcap.toString(),
                    "-Y", "udp", "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.length"),
                    Duration.ofSeconds(30));
            String[] udpLines = datagrams.stdout().strip().split("\n");
            assertThat(udpLines).as("the datagram to the forward and its echo: %s", datagrams).hasSize(2);
            String length = "\t" + (8 + payload.length);
            assertThat(udpLines[0]).matches("\\d+\t" + udp + length);
            assertThat(udpLines[1]).matches(udp + "\t\\d+" + length);
        }
    }

    private static ProcessResult curl(OpenSslServer tls, String flag, String proxy, String name) throws Exception {
        return Curl.run(flag, proxy, "--cacert", tls.certificate().toString(),
                "https://" + name + ":" + tls.port() + "/");
    }

    private static void assertReset(ProcessResult curl) {
        assertThat(curl.exitCode()).as(curl.toString()).isIn(35, 56);
        assertThat(curl.stderr()).contains("Connection reset by peer");
    }

    /** The next output line starting with {@code prefix}, skipping others; fails after 45 s. */
    private static String next(BlockingQueue<String> lines, String prefix) throws InterruptedException {
        return next(lines, prefix, "");
    }

    /** The next line starting with {@code prefix} and containing {@code part}. */
    private static String next(BlockingQueue<String> lines, String prefix, String part) throws InterruptedException {
        // Generous: a JVM's start on a loaded 2-core CI machine has taken more than 15 s.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        StringBuilder skipped = new StringBuilder();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line == null) {
                break;
            }
            if (line.startsWith(prefix) && line.contains(part)) {
                return line;
            }
            skipped.append(line).append('\n');
        }
        throw new AssertionError("no line starting with '" + prefix + "'; saw:\n" + skipped);
    }

    /** The port after {@code label} in the banner: {@code socks 127.0.0.1:41234}, {@code api http://127...}. */
    private static int port(String banner, String label) {
        Matcher m = Pattern.compile("(?:^|[ ,])" + Pattern.quote(label) + " ?127\\.0\\.0\\.1:(\\d+)").matcher(banner);
        assertThat(m.find()).as(label + " in " + banner).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
