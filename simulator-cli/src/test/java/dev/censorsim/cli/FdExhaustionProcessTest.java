package dev.censorsim.cli;

import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim socks} as a real process with a 256-descriptor limit: 300 concurrent clients exhaust its file
 * descriptors, and once they leave it must accept and serve the next client. Before the accept back-off, the first
 * EMFILE made JUL load {@code tzdb.dat}, which failed for lack of a descriptor and killed the event loop for good.
 */
class FdExhaustionProcessTest {

    private static final int FD_LIMIT = 256;
    private static final int CLIENTS = 300;
    /** SOCKS5, one method offered: no authentication. */
    private static final byte[] GREETING = {5, 1, 0};

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void socksShouldServeTheNextClientAfterRunningOutOfFileDescriptors(@TempDir Path dir) throws Exception {
        // A cap above the limit, so the descriptors really run out.
        survive(dir, List.of("--max-flows", "10000"), "too many open files");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void defaultFlowCapShouldRefuseClientsBeforeDescriptorsRunOut(@TempDir Path dir) throws Exception {
        survive(dir, List.of(), "the cap (--max-flows)");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void udpRelayShouldWarnOnceWhenItCannotOpenUpstreamSocketsAndRecover(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("udp.log");
        int port = freePort();
        try (java.net.DatagramSocket server = new java.net.DatagramSocket(
                new InetSocketAddress("127.0.0.1", 0))) {
            server.setSoTimeout(200);
            Process process = new ProcessBuilder(List.of("bash", "-c", "ulimit -n " + FD_LIMIT + " && exec \"$@\"",
                    "bash", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-cp", jarredClassPath(dir), Main.class.getName(), "proxy", "--udp",
                    "--listen", "127.0.0.1:" + port, "--upstream", "127.0.0.1:" + server.getLocalPort(),
                    "--udp-idle-timeout", "2s"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            List<java.net.DatagramSocket> clients = new ArrayList<>();
            try {
                awaitLine(log, "Ctrl-C", process);
                InetSocketAddress relay = new InetSocketAddress("127.0.0.1", port);
                // Each client address is a flow with its own upstream socket: 300 of them exceed 256 descriptors.
                for (int i = 0; i < CLIENTS; i++) {
                    java.net.DatagramSocket c = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                    clients.add(c);
                    c.send(new java.net.DatagramPacket(new byte[] {1}, 1, relay));
                }
                awaitLine(log, "cannot open an upstream socket", process);
                String text = Files.readString(log);
                assertThat(text.lines().filter(l -> l.contains("cannot open an upstream socket")).count())
                        .as("one line with a count, not one (two-line) warning per failed flow").isEqualTo(1);
                assertThat(text).containsPattern("cannot open an upstream socket .*\\(\\d+ times? in the last 10 s\\)");
                for (java.net.DatagramSocket c : clients) {
                    c.close();
                }
                clients.clear();
                // Flows idle out after 2 s and give their sockets back; a new client is relayed again.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                boolean relayed = false;
                try (java.net.DatagramSocket late = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    while (!relayed && System.nanoTime() < deadline) {
                        late.send(new java.net.DatagramPacket(new byte[] {7, 7}, 2, relay));
                        java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[16], 16);
                        try {
                            do {
                                server.receive(got);
                            } while (got.getLength() != 2);
                            relayed = true;
                        } catch (java.net.SocketTimeoutException notYet) {
                            Thread.sleep(300);
                        }
                    }
                }
                assertThat(relayed).as("a new client is relayed once flows idled out; log:%n%s", Files.readString(log))
                        .isTrue();
            } finally {
                for (java.net.DatagramSocket c : clients) {
                    c.close();
                }
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void survive(Path dir, List<String> options, String expectedWarning) throws Exception {
        Path log = dir.resolve("socks.log");
        int port = freePort();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            // "$@" keeps the long class path out of shell quoting; ulimit applies to the exec'd JVM.
            List<String> command = new ArrayList<>(List.of("bash", "-c",
                    "ulimit -n " + FD_LIMIT + " && exec \"$@\"", "bash",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-cp", jarredClassPath(dir), Main.class.getName(),
                    "socks", "--listen", "127.0.0.1:" + port));
            command.addAll(options);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            List<Socket> crowd = new ArrayList<>();
            try {
                awaitLine(log, "Ctrl-C", process);
                InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", port);
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = new Socket();
                    crowd.add(s);
                    // The kernel completes the handshake from the backlog whether or not the proxy accepts.
                    s.connect(proxy, 5_000);
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(GREETING); // then hold the connection, as a slow client would
                        out.flush();
                    } catch (IOException refused) {
                        // reset by the flow cap: expected for some clients
                    }
                }
                // The proxy accepts what it can and hits the limit; a loaded machine may take a while.
                awaitLine(log, expectedWarning, process);
                assertThat(process.isAlive()).as("still running at the limit").isTrue();
                for (Socket s : crowd) {
                    s.close();
                }
                crowd.clear();
                assertThat(Files.readString(log).lines().filter(l -> l.contains("WARNING")).count())
                        .as("rate-limited: one warning line per 10 s, not one per failure").isLessThanOrEqualTo(3);

                assertThat(echoesThroughWithin(proxy, echo.address(), 20_000))
                        .as("the next client is served once descriptors are free; log:%n%s", Files.readString(log))
                        .isTrue();
                assertThat(Files.readString(log)).doesNotContain("NoClassDefFoundError")
                        .doesNotContain("ZoneInfoFile");
            } finally {
                for (Socket s : crowd) {
                    s.close();
                }
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The test class path with each class directory packed into a jar, as the shaded {@code censorsim.jar} ships: a
     * JVM opens a jar once and keeps it open, but reads each class file of a directory with a new descriptor, which a
     * process at its descriptor limit does not have. Loading classes is not what this test is about.
     */
    static String jarredClassPath(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!Files.isDirectory(path)) {
                entries.add(entry);
                continue;
            }
            Path jar = dir.resolve("classes-" + n++ + ".jar");
            try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                 java.util.stream.Stream<Path> files = Files.walk(path)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    out.putNextEntry(new java.util.jar.JarEntry(path.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            entries.add(jar.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }


    private static boolean echoesThroughWithin(InetSocketAddress proxy, InetSocketAddress target, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            try (Socket s = Socks5Client.connect(proxy, target)) {
                s.getOutputStream().write("still alive".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                String back = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                if (back.equals("still alive")) {
                    return true;
                }
            } catch (IOException e) {
                // not yet: the proxy may still be closing the crowd's sockets
            }
            Thread.sleep(250);
        }
        return false;
    }

    static void awaitLine(Path log, String text, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).toLowerCase(java.util.Locale.ROOT)
                    .contains(text.toLowerCase(java.util.Locale.ROOT))) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("process exited " + process.exitValue() + ": " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + text + "' within 30 s: " + Files.readString(log));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
