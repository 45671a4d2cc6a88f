package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.SocksUdpSettings;
import dev.censorsim.proxy.udp.UdpFlowListener;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.RemoteClientNamespace;
import dev.censorsim.testing.SocksProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SOCKS rule for remote clients, over a real non-loopback path: the client runs in a network namespace the test
 * creates and reaches censorsim's SOCKS listener on the host side of a veth pair. Services bound only to loopback must
 * stay out of its reach through CONNECT and through UDP ASSOCIATE, unless {@code --allow-loopback-targets}; a service
 * on the host side's address is the control that shows the path itself works.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteSocksClientTest {

    private static final int NOT_ALLOWED_BY_RULESET = 2;

    @Test
    void remoteClientShouldReachNeitherLoopbackTcpNorLoopbackUdpServicesThroughSocks() throws Exception {
        try (RemoteClientNamespace ns = RemoteClientNamespace.create();
             Echoes loopback = new Echoes(InetAddress.getByName("127.0.0.1"));
             Echoes hostSide = new Echoes(ns.hostAddress());
             CensorProxy proxy = CensorProxy.start(socksFor(ns, false))) {
            List<String> lines = probe(ns, proxy, loopback, hostSide);

            assertThat(lines).as("CONNECT to the host side's address works: the path is fine")
                    .contains("tcp " + hostSide.tcpTarget() + " reply=0 echo=hello");
            assertThat(lines).as("CONNECT to a loopback-only service is refused with 'not allowed by ruleset'")
                    .contains("tcp " + loopback.tcpTarget() + " reply=" + NOT_ALLOWED_BY_RULESET + " echo=none");
            assertThat(lines).as("a datagram to the host side's address comes back through the association")
                    .contains("udp " + hostSide.udpTarget() + " reply=0 echo=hello");
            assertThat(lines).as("a datagram to a loopback-only service gets no answer")
                    .contains("udp " + loopback.udpTarget() + " reply=0 echo=none");
            assertThat(loopback.udpReceived()).as("datagrams that reached the loopback-only service").isZero();
            assertThat(loopback.tcpAccepted()).as("connections that reached the loopback-only service").isZero();
        }
    }

    @Test
    void allowLoopbackTargetsShouldLetARemoteClientReachLoopbackServicesBothWays() throws Exception {
        try (RemoteClientNamespace ns = RemoteClientNamespace.create();
             Echoes loopback = new Echoes(InetAddress.getByName("127.0.0.1"));
             Echoes hostSide = new Echoes(ns.hostAddress());
             CensorProxy proxy = CensorProxy.start(socksFor(ns, true))) {
            List<String> lines = probe(ns, proxy, loopback, hostSide);

            assertThat(lines).contains("tcp " + loopback.tcpTarget() + " reply=0 echo=hello")
                    .contains("udp " + loopback.udpTarget() + " reply=0 echo=hello");
            assertThat(loopback.udpReceived()).isPositive();
        }
    }

    private static ProxyOptions socksFor(RemoteClientNamespace ns, boolean allowLoopbackTargets) {
        PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
        return ProxyOptions.socks()
                .listen(new InetSocketAddress(ns.hostAddress(), 0))
                .allowedClients(List.of(ns.clientAddress().getHostAddress() + "/32"))
                .udpAssociate(new SocksUdpSettings(policy, UdpFlowListener.NOOP, Duration.ofSeconds(30), null))
                .allowLoopbackTargets(allowLoopbackTargets)
                .build();
    }

    /** Runs {@link SocksProbe} inside the namespace against every target; returns its output lines. */
    private static List<String> probe(RemoteClientNamespace ns, CensorProxy proxy, Echoes loopback, Echoes hostSide)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                SocksProbe.class.getName(),
                proxy.localAddress().getAddress().getHostAddress() + ":" + proxy.localAddress().getPort(),
                "tcp:" + hostSide.tcpTarget(), "tcp:" + loopback.tcpTarget(),
                "udp:" + hostSide.udpTarget(), "udp:" + loopback.udpTarget()));
        ProcessResult result = ns.exec(command, Duration.ofSeconds(60));
        assertThat(result.exitCode()).as("%s", result).isZero();
        return result.stdout().lines().toList();
    }

    /** A TCP and a UDP echo server on one address, each counting what reached it; threads end on close. */
    private static final class Echoes implements AutoCloseable {

        private final ServerSocket tcp;
        private final DatagramSocket udp;
        private final AtomicInteger tcpAccepted = new AtomicInteger();
        private final AtomicInteger udpReceived = new AtomicInteger();

        Echoes(InetAddress address) throws IOException {
            tcp = new ServerSocket(0, 50, address);
            udp = new DatagramSocket(new InetSocketAddress(address, 0));
            Thread tcpThread = new Thread(this::serveTcp, "echo-tcp-" + address.getHostAddress());
            Thread udpThread = new Thread(this::serveUdp, "echo-udp-" + address.getHostAddress());
            tcpThread.setDaemon(true);
            udpThread.setDaemon(true);
            tcpThread.start();
            udpThread.start();
        }

        String tcpTarget() {
            return tcp.getInetAddress().getHostAddress() + ":" + tcp.getLocalPort();
        }

        String udpTarget() {
            return udp.getLocalAddress().getHostAddress() + ":" + udp.getLocalPort();
        }

        int tcpAccepted() {
            return tcpAccepted.get();
        }

        int udpReceived() {
            return udpReceived.get();
        }

        private void serveTcp() {
            while (!tcp.isClosed()) {
                try (Socket s = tcp.accept()) {
                    tcpAccepted.incrementAndGet();
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    byte[] buffer = new byte[1024];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        s.getOutputStream().write(buffer, 0, n);
                    }
                } catch (IOException closedOrDone) {
                    // Next client, or the server was closed.
                }
            }
        }

        private void serveUdp() {
            byte[] buffer = new byte[2048];
            while (!udp.isClosed()) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    udp.receive(packet);
                    udpReceived.incrementAndGet();
                    udp.send(new DatagramPacket(buffer, packet.getLength(), packet.getSocketAddress()));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            tcp.close();
            udp.close();
        }
    }
}
