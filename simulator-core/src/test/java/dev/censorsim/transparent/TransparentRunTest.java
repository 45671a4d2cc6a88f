package dev.censorsim.transparent;

import dev.censorsim.dns.Zone;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.udp.UdpFlowRecord;
import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unmodified programs in a namespace censorsim intercepts: curl against a real TLS server reset on one SNI and served
 * on another, dig against the namespace's DNS with a removal rule, and a Python UDP client whose RTP is dropped while
 * its other datagrams are echoed. Every test proves that closing left no namespace, link, table, rule or route.
 * Needs root, iproute2, nftables, curl, openssl, dig (bind9-dnsutils) and python3.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransparentRunTest {

    private static final String BLOCKED = "blocked.test";
    private static final String OK = "ok.test";
    /** curl: 35 = TLS handshake failed, 56 = failure receiving network data. */
    private static final int CURL_SSL_CONNECT_ERROR = 35;
    private static final int CURL_RECV_ERROR = 56;

    private static OpenSslServer tls;

    @BeforeAll
    static void start() throws Exception {
        Interceptions.requireRootTools();
        Tools.require("curl", "apt-get install curl");
        tls = OpenSslServer.start(OK, BLOCKED);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void curlShouldBeResetOnTheBlockedSniAndServedOnTheOtherName() throws Exception {
        List<FlowRecord> flows = new CopyOnWriteArrayList<>();
        TransparentRunOptions options = TransparentRunOptions.builder()
                .policy(policy("""
                        rules:
                          - name: sni-reset
                            match: { sni: [blocked.test] }
                            action: { type: reset }
                        """))
                .host(BLOCKED).host(OK)
                .tcpListener(flows::add)
                .build();
        String namespace;
        try (TransparentRun run = TransparentRun.start(options)) {
            namespace = run.namespaceName();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int blocked = run.execute(curl(BLOCKED), out, err);
            assertThat(blocked).as(err.toString()).isIn(CURL_SSL_CONNECT_ERROR, CURL_RECV_ERROR);
            assertThat(err.toString()).contains("Connection reset by peer");

            out = new ByteArrayOutputStream();
            err = new ByteArrayOutputStream();
            int ok = run.execute(curl(OK), out, err);
            assertThat(ok).as(err.toString()).isZero();
            assertThat(out.toString()).contains("s_server");
        }
        Interceptions.assertNothingLeft(namespace);
        assertThat(flows).extracting(FlowRecord::target).contains(BLOCKED, OK);
        FlowRecord reset = flows.stream().filter(f -> BLOCKED.equals(f.target())).findFirst().orElseThrow();
        assertThat(reset.serverName()).isEqualTo(BLOCKED);
        assertThat(reset.ruleName()).isEqualTo("sni-reset");
        assertThat(reset.server().getAddress().isLoopbackAddress()).as("relayed to the host's loopback").isTrue();
        assertThat(reset.client().getAddress().getHostAddress()).as("the namespace's address")
                .matches("198\\.1[89]\\..*|2001:db8:c5:.*");
    }

    @Test
    void digShouldSeeNxdomainForANameTheDnsRuleRemoves() throws Exception {
        Tools.require("dig", "apt-get install bind9-dnsutils");
        TransparentRunOptions options = TransparentRunOptions.builder()
                .policy(policy("""
                        rules:
                          - name: nsdi-removal
                            match: { qname: [removed.zone.test] }
                            action: { type: nxdomain }
                        """))
                .zone(Zone.builder("zone.test").a("removed.zone.test", "192.0.2.7").a("kept.zone.test", "192.0.2.8")
                        .build())
                .build();
        String namespace;
        try (TransparentRun run = TransparentRun.start(options)) {
            namespace = run.namespaceName();
            // No @server: dig reads the namespace's /etc/resolv.conf, which ip netns exec bind-mounted.
            ByteArrayOutputStream removed = new ByteArrayOutputStream();
            assertThat(run.execute(List.of("dig", "+tries=1", "+time=3", "removed.zone.test", "A"), removed,
                    new ByteArrayOutputStream())).isZero();
            assertThat(removed.toString()).contains("status: NXDOMAIN").contains("SERVER: " + run.dnsAddress()
                    .getHostAddress() + "#53");

            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            assertThat(run.execute(List.of("dig", "+tries=1", "+time=3", "+short", "kept.zone.test", "A"), kept,
                    new ByteArrayOutputStream())).isZero();
            assertThat(kept.toString().strip()).isEqualTo("192.0.2.8");
        }
        Interceptions.assertNothingLeft(namespace);
    }

    @Test
    void rtpShouldBeDroppedWhileOtherUdpIsEchoed() throws Exception {
        Tools.require("python3", "apt-get install python3");
        List<UdpFlowRecord> flows = new CopyOnWriteArrayList<>();
        TransparentRunOptions options = TransparentRunOptions.builder()
                .policy(policy("""
                        rules:
                          - name: calls
                            match: { protocol: [rtp] }
                            action: { type: drop }
                        """))
                .host("media.test")
                .udpListener(flows::add)
                .udpIdleTimeout(java.time.Duration.ofSeconds(10))
                .build();
        String namespace;
        try (UdpEcho echo = new UdpEcho(); TransparentRun run = TransparentRun.start(options)) {
            namespace = run.namespaceName();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = run.execute(List.of("python3", "-c", UDP_CLIENT, "media.test", Integer.toString(echo.port())),
                    out, err);
            assertThat(exit).as(err.toString()).isZero();
            // RTP is recognised once its SSRC holds and the sequence advances over 4 packets; what comes after, drops.
            assertThat(out.toString()).contains("other echoed 10/10").containsPattern("rtp echoed [0-4]/30");
        }
        Interceptions.assertNothingLeft(namespace);
        assertThat(flows).anySatisfy(f -> assertThat(f.toLogLine()).contains("proto=rtp rule=calls action=drop"));
    }

    /**
     * A client that writes its request and half-closes at once: the epoll transport reads both before the upstream
     * is connected, and the flow must still deliver the bytes, then the FIN, and relay the answer back.
     */
    @Test
    void requestAndFinSentAtOnceShouldReachTheServerAndTheAnswerComeBack() throws Exception {
        Tools.require("python3", "apt-get install python3");
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                try (Socket socket = server.accept()) {
                    byte[] request = socket.getInputStream().readAllBytes(); // until the client's FIN
                    socket.getOutputStream().write(("got " + request.length).getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the assertion below reports what the client got
                }
            }, "half-close-server");
            serving.setDaemon(true);
            serving.start();
            String namespace;
            try (TransparentRun run = TransparentRun.start(TransparentRunOptions.builder().host("api.test").build())) {
                namespace = run.namespaceName();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int exit = run.execute(List.of("python3", "-c", HALF_CLOSING_CLIENT, "api.test",
                        Integer.toString(server.getLocalPort())), out, err);
                assertThat(exit).as(err.toString()).isZero();
                assertThat(out.toString().strip()).isEqualTo("got 1000");
            }
            Interceptions.assertNothingLeft(namespace);
        }
    }

    private static final String HALF_CLOSING_CLIENT = """
            import socket, sys
            c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
            c.sendall(b"x" * 1000)
            c.shutdown(socket.SHUT_WR)
            answer = b""
            while True:
                chunk = c.recv(100)
                if not chunk:
                    break
                answer += chunk
            print(answer.decode())
            """;

    @Test
    void commandOutputShouldArriveByteForByte() throws Exception {
        String namespace;
        try (TransparentRun run = TransparentRun.start(TransparentRunOptions.builder().build())) {
            namespace = run.namespaceName();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            // Not UTF-8 (0xff 0xfe) on stdout, UTF-8 ("é") on stderr.
            assertThat(run.execute(List.of("sh", "-c", "printf '\\377\\376\\n'; printf 'caf\\303\\251\\n' >&2"),
                    out, err)).isZero();
            assertThat(out.toByteArray()).isEqualTo(new byte[] {(byte) 0xff, (byte) 0xfe, '\n'});
            assertThat(err.toByteArray()).isEqualTo("café\n".getBytes(StandardCharsets.UTF_8));
        }
        Interceptions.assertNothingLeft(namespace);
    }

    @Test
    void commandShouldRunAsTheInvokingUserUnderSudo() throws Exception {
        RunAs invoking = RunAs.invokingUser(java.util.Map.of("SUDO_UID", "65534", "SUDO_GID", "65534"));
        String namespace;
        try (TransparentRun run = TransparentRun.start(TransparentRunOptions.builder().runAs(invoking).build())) {
            namespace = run.namespaceName();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertThat(run.execute(List.of("sh", "-c", "id -u; id -g; echo \"$HOME $USER $LOGNAME $SHELL\""), out,
                    new ByteArrayOutputStream())).isZero();
            // The account's own, not root's (HOME=/root, USER=root: the test runs as root, as sudo leaves them).
            String[] account = Interceptions.run("getent", "passwd", "65534").stdout().strip().split(":");
            assertThat(out.toString().split("\\s+")).containsExactly("65534", "65534", account[5], account[0],
                    account[0], account[6]);
        }
        Interceptions.assertNothingLeft(namespace);
        assertThat(RunAs.invokingUser(java.util.Map.of()).isCurrent()).as("not under sudo").isTrue();
    }

    /**
     * Resolves the name through the namespace's DNS (getaddrinfo), then sends 10 plain datagrams from one socket and
     * 30 RTP packets (RFC 3550 header: V=2, PT 0, one SSRC, rising sequence and timestamp) from another, counting
     * the echoes each gets back.
     */
    private static final String UDP_CLIENT = """
            import socket, struct, sys
            host, port = sys.argv[1], int(sys.argv[2])
            addr = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4]
            def run(payloads):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(0.5)
                got = 0
                for p in payloads:
                    s.sendto(p, addr)
                    try:
                        data, src = s.recvfrom(2048)
                        if data == p and src == addr:
                            got += 1
                    except socket.timeout:
                        pass
                return got
            other = [b"hello %d" % i for i in range(10)]
            rtp = [struct.pack("!BBHII", 0x80, 0, 1000 + i, 160 * i, 0x1234ABCD) + bytes(160) for i in range(30)]
            print("other echoed %d/10" % run(other))
            print("rtp echoed %d/30" % run(rtp))
            """;

    private static List<String> curl(String name) {
        return List.of("curl", "-sS", "--max-time", "20", "--cacert", tls.certificate().toString(),
                "https://" + name + ":" + tls.port() + "/");
    }

    static PolicyHolder policy(String yaml) throws Exception {
        return new PolicyHolder(PolicyLoader.parse(yaml, "test-policy.yaml"));
    }

    /** A UDP echo server on 127.0.0.1: the host-loopback backend behind a --host name. */
    static final class UdpEcho implements AutoCloseable {
        private final DatagramSocket socket;
        private final Thread thread;

        UdpEcho() throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(this::serve, "udp-echo");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buffer = new byte[2048];
            try {
                while (!socket.isClosed()) {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    socket.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
                }
            } catch (java.io.IOException closed) {
                // closed by the test
            }
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(2_000);
        }
    }
}
