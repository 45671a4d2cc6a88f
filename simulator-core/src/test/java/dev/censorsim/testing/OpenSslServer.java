package dev.censorsim.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real TLS server: {@code openssl s_server -www} on {@code 127.0.0.1} with a self-signed certificate for the given
 * names, generated with {@code openssl req} at start. Answers {@code GET /} with an HTML status page.
 */
public final class OpenSslServer implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(10);

    private final Process process;
    private final Path dir;
    private final Path certificate;
    private final int port;
    private final String host;

    private OpenSslServer(Process process, Path dir, Path certificate, String host, int port) {
        this.process = process;
        this.dir = dir;
        this.certificate = certificate;
        this.host = host;
        this.port = port;
    }

    /** Generates a certificate valid for {@code names} and starts serving; fails if openssl is missing. */
    public static OpenSslServer start(String... names) throws IOException, InterruptedException {
        return startOn("127.0.0.1", names);
    }

    /** As {@link #start}, listening on {@code host} (an IPv4 literal the test owns) instead of 127.0.0.1. */
    public static OpenSslServer startOn(String host, String... names) throws IOException, InterruptedException {
        Tools.require("openssl", "apt-get install openssl");
        Path dir = Files.createTempDirectory("censorsim-tls");
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        StringBuilder san = new StringBuilder("subjectAltName=");
        for (int i = 0; i < names.length; i++) {
            san.append(i == 0 ? "" : ",").append("DNS:").append(names[i]);
        }
        ProcessResult generated = Processes.run(List.of("openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + names[0],
                "-addext", san.toString(), "-keyout", key.toString(), "-out", cert.toString()),
                Duration.ofSeconds(30));
        if (generated.exitCode() != 0) {
            throw new AssertionError("openssl req failed: " + generated);
        }
        int port = freePort(host);
        List<String> command = new ArrayList<>(List.of("openssl", "s_server", "-accept", host + ":" + port,
                "-cert", cert.toString(), "-key", key.toString(), "-www", "-quiet"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("s_server.log").toFile())
                .start();
        OpenSslServer server = new OpenSslServer(process, dir, cert, host, port);
        server.awaitListening();
        return server;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    public int port() {
        return port;
    }

    /** The self-signed certificate, for {@code curl --cacert}. */
    public Path certificate() {
        return certificate;
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("openssl s_server exited: " + Files.readString(dir.resolve("s_server.log")));
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(host, port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        close();
        throw new AssertionError("openssl s_server did not listen on port " + port + " within " + STARTUP);
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
