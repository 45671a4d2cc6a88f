package dev.censorsim.messenger.vpn;

import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call's datagrams (STUN, then RTP) carried in each kind of tunnel over real loopback sockets, through the censor
 * in front of the endpoint (the UDP relay for UDP tunnels, the proxy for TCP ones), to a UDP echo standing in for
 * the messenger's media port: the same RTP that a relay dropping {@code protocol: [stun, rtp]} stops on the direct
 * route comes back through the tunnel, because the censor sees only the tunnel's packets.
 */
@Timeout(60)
class VpnCallsTest {

    private static final String CALLS_BLOCKED = """
            rules:
              - { name: calls, match: { protocol: [stun, rtp, rtcp] }, action: { type: drop } }
            """;

    private DatagramSocket media;
    private Thread echo;

    @BeforeEach
    void startMediaEcho() throws IOException {
        media = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        echo = new Thread(() -> {
            byte[] buffer = new byte[2048];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            while (!media.isClosed()) {
                try {
                    packet.setLength(buffer.length);
                    media.receive(packet);
                    media.send(new DatagramPacket(buffer, packet.getLength(), packet.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "media-echo");
        echo.setDaemon(true);
        echo.start();
    }

    @AfterEach
    void stopMediaEcho() {
        media.close();
    }

    private InetSocketAddress mediaAddress() {
        return (InetSocketAddress) media.getLocalSocketAddress();
    }

    @ParameterizedTest
    @EnumSource(VpnKind.class)
    void callShouldGetThroughEveryKindOfTunnelPastARelayThatDropsCalls(VpnKind kind) throws Exception {
        PolicyHolder policy = new PolicyHolder(PolicyLoader.parse(CALLS_BLOCKED, "calls.yaml"));
        try (UdpRelay direct = UdpRelay.start(UdpRelayOptions.forward(mediaAddress()).policy(policy).build());
             VpnEndpoint endpoint = VpnEndpoint.start(kind, mediaAddress(), mediaAddress(), "www.example.test", null);
             AutoCloseable censor = censorInFrontOf(endpoint, policy);
             VpnClient client = VpnClient.start(VpnRoute.to(tunnelAddress(censor), endpoint, "www.example.test"),
                     direct.localAddress())) {
            assertThat(call(client.datagramEntry(), 50)).as("%s: RTP echoed through the tunnel", kind.wireName())
                    .isGreaterThanOrEqualTo(45);
            Map<String, Double> metrics = client.cut();
            assertThat(metrics.get("vpn.connects")).as("one tunnel session for the call's socket").isEqualTo(1.0);
            assertThat(metrics.get("vpn.ok")).isEqualTo(1.0);
            assertThat(metrics.get("vpn.overhead")).as("the tunnel costs bytes").isGreaterThan(1.0);

            client.use(VpnRoute.direct(direct.localAddress()));
            assertThat(call(client.datagramEntry(), 20)).as("VPN off: the relay drops the call").isZero();
            assertThat(client.cut().get("vpn.connects")).isZero();
        }
    }

    @Test
    void callShouldFailWhenTheRelayDropsTheTunnelItself() throws Exception {
        PolicyHolder policy = new PolicyHolder(PolicyLoader.parse("""
                rules:
                  - { name: no-wg, match: { protocol: [wireguard] }, action: { type: drop } }
                """, "vpn.yaml"));
        try (VpnEndpoint endpoint = VpnEndpoint.start(VpnKind.WIREGUARD, mediaAddress(), mediaAddress(), null, null);
             UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(endpoint.address()).policy(policy).build());
             VpnClient client = VpnClient.start(VpnRoute.to(relay.localAddress(), endpoint, null), mediaAddress())) {
            assertThat(call(client.datagramEntry(), 20)).isZero();
            // The session gives up after its 3 handshake attempts of 1 s; wait for the verdict.
            Map<String, Double> metrics = waitForDecision(client);
            // A session gives up after 3 s; the call's later STUN retries start another, which fails alike.
            assertThat(metrics.get("vpn.connects")).isGreaterThanOrEqualTo(1.0);
            assertThat(metrics.get("vpn.ok")).isZero();
            assertThat(metrics.get("vpn.failed")).isGreaterThanOrEqualTo(1.0);
        }
    }

    private static Map<String, Double> waitForDecision(VpnClient client) throws InterruptedException {
        Map<String, Double> total = new java.util.HashMap<>();
        for (int i = 0; i < 40; i++) {
            client.cut().forEach((k, v) -> total.merge(k, v, Double::sum));
            if (total.getOrDefault("vpn.failed", 0.0) + total.getOrDefault("vpn.ok", 0.0) > 0) {
                return total;
            }
            Thread.sleep(200);
        }
        return total;
    }

    private static AutoCloseable censorInFrontOf(VpnEndpoint endpoint, PolicyHolder policy) throws IOException {
        return endpoint.kind().udp()
                ? UdpRelay.start(UdpRelayOptions.forward(endpoint.address()).policy(policy).build())
                : CensorProxy.start(ProxyOptions.forward(endpoint.address()).policy(policy).build());
    }

    private static InetSocketAddress tunnelAddress(AutoCloseable censor) {
        return censor instanceof UdpRelay relay ? relay.localAddress() : ((CensorProxy) censor).localAddress();
    }

    /**
     * A call from a fresh socket: a STUN binding request (retried until answered, for at most 4 s, as the tunnel may
     * still be shaking hands), then {@code packets} RTP packets 20 ms apart; returns how many RTP packets came back.
     */
    private static int call(InetSocketAddress entry, int packets) throws IOException, InterruptedException {
        try (DatagramSocket app = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            app.connect(entry);
            app.setSoTimeout(250);
            byte[] buffer = new byte[2048];
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            boolean answered = false;
            for (int i = 0; i < 16 && !answered; i++) {
                byte[] stun = stunBindingRequest(i);
                app.send(new DatagramPacket(stun, stun.length));
                try {
                    in.setLength(buffer.length);
                    app.receive(in);
                    answered = true;
                } catch (SocketTimeoutException e) {
                    // Not yet: send again.
                }
            }
            if (!answered) {
                return 0;
            }
            for (int seq = 0; seq < packets; seq++) {
                byte[] rtp = rtp(seq, 0xcafe);
                app.send(new DatagramPacket(rtp, rtp.length));
                Thread.sleep(20);
            }
            int back = 0;
            app.setSoTimeout(1_000);
            try {
                while (back < packets) {
                    in.setLength(buffer.length);
                    app.receive(in);
                    if (in.getLength() == 172 && (buffer[0] & 0xff) == 0x80) {
                        back++;
                    }
                }
            } catch (SocketTimeoutException e) {
                // Whatever came back is the answer.
            }
            return back;
        }
    }

    /** RFC 8489 §5: a binding request with no attributes. */
    private static byte[] stunBindingRequest(int id) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) 0x0001).putShort((short) 0).putInt(0x2112a442).putInt(id).putInt(id + 1).putInt(id + 2);
        return b.array();
    }

    /** RFC 3550 §5.1: version 2, payload type 111 (Opus), 160 bytes of audio: 172 bytes. */
    private static byte[] rtp(int sequence, int ssrc) {
        ByteBuffer b = ByteBuffer.allocate(12 + 160);
        b.put((byte) 0x80).put((byte) 111).putShort((short) sequence).putInt(sequence * 960).putInt(ssrc);
        for (int i = 0; i < 160; i++) {
            b.put((byte) (i * 7 + sequence));
        }
        return b.array();
    }
}
