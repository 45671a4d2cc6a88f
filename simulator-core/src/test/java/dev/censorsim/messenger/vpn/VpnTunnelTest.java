package dev.censorsim.messenger.vpn;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Each VPN kind carries a TCP connection's bytes to its endpoint and back over real loopback sockets, unchanged, and
 * through the censor: a WireGuard tunnel dies when the relay drops {@code protocol: [wireguard]}, a Shadowsocks tunnel
 * when the proxy blackholes {@code fully-encrypted}, while a TLS tunnel with an innocuous SNI passes that policy.
 */
@Timeout(60)
class VpnTunnelTest {

    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // The test judges what came back.
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "echo");
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterEach
    void stopEcho() throws IOException {
        echo.close();
    }

    private InetSocketAddress echoAddress() {
        return (InetSocketAddress) echo.getLocalSocketAddress();
    }

    /** Writes {@code bytes} through {@code entry} and reads the echo; returns what came back. */
    private static byte[] roundTrip(InetSocketAddress entry, byte[] bytes) throws Exception {
        try (Socket app = new Socket()) {
            app.connect(entry, 2_000);
            app.setSoTimeout(10_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = app.getOutputStream();
                    for (int at = 0; at < bytes.length; at += 8192) {
                        out.write(bytes, at, Math.min(8192, bytes.length - at));
                    }
                    out.flush();
                } catch (IOException ignored) {
                    // The reader sees what arrived.
                }
            });
            writer.start();
            byte[] back = new byte[bytes.length];
            new DataInputStream(app.getInputStream()).readFully(back);
            writer.join();
            return back;
        }
    }

    @ParameterizedTest
    @EnumSource(VpnKind.class)
    void everyKindShouldCarryAMegabyteUnchanged(VpnKind kind) throws Exception {
        byte[] bytes = new byte[1 << 20];
        new SplittableRandom(kind.ordinal()).nextBytes(bytes);
        try (VpnEndpoint endpoint = VpnEndpoint.start(kind, echoAddress(), "www.example.test");
             VpnClient client = VpnClient.start(VpnRoute.to(endpoint.address(), endpoint, "www.example.test"))) {
            assertThat(roundTrip(client.entry(), bytes)).as("%s tunnel round trip", kind.wireName())
                    .isEqualTo(bytes);
            Map<String, Double> metrics = client.cut();
            assertThat(metrics.get("vpn.connects")).isEqualTo(1.0);
            assertThat(metrics.get("vpn.ok_ratio")).isEqualTo(1.0);
            assertThat(metrics.get("vpn.setup_time.p50")).isPositive();
            assertThat(metrics.get("vpn.overhead")).as("the tunnel costs bytes").isGreaterThan(1.0);
        }
    }

    @Test
    void aSessionDecidedBetweenAPolicySwapAndTheCutShouldCountInNeitherInterval() throws Exception {
        try (VpnEndpoint endpoint = VpnEndpoint.start(VpnKind.TLS, echoAddress(), "www.example.test");
             VpnClient client = VpnClient.start(VpnRoute.to(endpoint.address(), endpoint, "www.example.test"))) {
            assertThat(roundTrip(client.entry(), new byte[100])).hasSize(100);
            client.policyChanging();
            assertThat(roundTrip(client.entry(), new byte[100])).as("up in the gap").hasSize(100);
            Map<String, Double> closing = client.cut();
            assertThat(roundTrip(client.entry(), new byte[100])).hasSize(100);
            Map<String, Double> next = client.cut();

            assertThat(closing.get("vpn.connects")).as("both sessions started in it").isEqualTo(2.0);
            assertThat(closing.get("vpn.ok")).as("only the one decided before the swap").isEqualTo(1.0);
            assertThat(next.get("vpn.ok")).isEqualTo(1.0);
            assertThat(next.get("vpn.ok_ratio")).isEqualTo(1.0);
        }
    }

    @Test
    void wireGuardTunnelShouldNotComeUpWhenTheRelayDropsWireGuard() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("rules:\n"
                + "  - { name: no-wg, match: { protocol: [wireguard] }, action: { type: drop } }\n", "p.yaml");
        try (VpnEndpoint endpoint = VpnEndpoint.start(VpnKind.WIREGUARD, echoAddress(), null);
             UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(endpoint.address())
                     .policy(new PolicyHolder(policy)).build());
             VpnClient client = VpnClient.start(VpnRoute.to(relay.localAddress(), endpoint, null))) {
            Throwable failure = catchThrowable(() -> roundTrip(client.entry(), new byte[100]));
            assertThat(failure).as("the app's connection dies with the tunnel").isInstanceOf(IOException.class);
            Map<String, Double> metrics = client.cut();
            assertThat(metrics.get("vpn.connects")).isEqualTo(1.0);
            assertThat(metrics.get("vpn.ok")).isZero();
        }
    }

    @Test
    void tunnelCaughtByASwapShouldShowAsStalledAtTheCutThenAsLost() throws Exception {
        PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
        try (VpnEndpoint endpoint = VpnEndpoint.start(VpnKind.WIREGUARD, echoAddress(), null);
             UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(endpoint.address()).policy(holder).build());
             VpnClient client = VpnClient.start(VpnRoute.to(relay.localAddress(), endpoint, null));
             Socket app = new Socket()) {
            app.connect(client.entry(), 2_000);
            app.setSoTimeout(20_000);
            app.getOutputStream().write(new byte[] {1, 2, 3});
            assertThat(app.getInputStream().readNBytes(3)).isEqualTo(new byte[] {1, 2, 3});
            assertThat(client.cut().get("vpn.stalled")).as("an up tunnel with nothing outstanding").isZero();

            holder.swap(PolicyLoader.parse("rules:\n"
                    + "  - { name: no-wg, match: { protocol: [wireguard] }, action: { type: drop } }\n", "p.yaml"));
            app.getOutputStream().write(new byte[] {4});
            Thread.sleep(1_500);
            Map<String, Double> atCut = client.cut();
            assertThat(atCut.get("vpn.stalled")).as("silent since the swap, not yet given up").isEqualTo(1.0);
            assertThat(atCut.get("vpn.lost")).isZero();

            // 8 timeouts of 0.2, 0.4, 0.8, 1.6 and then 2 s: about 11 s after the last progress.
            assertThat(catchThrowable(() -> app.getInputStream().read())).as("the app's connection is reset")
                    .isInstanceOf(IOException.class);
            // The tunnel's receive thread counts the loss after it reset the app, so the count may trail the reset.
            double lost = 0;
            Map<String, Double> after;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            do {
                after = client.cut();
                lost += after.get("vpn.lost");
                if (lost == 0) {
                    Thread.sleep(20);
                }
            } while (lost == 0 && System.nanoTime() < deadline);
            assertThat(lost).isEqualTo(1.0);
            assertThat(after.get("vpn.stalled")).isZero();
        }
    }

    @Test
    void fullyEncryptedRuleShouldStopShadowsocksButNotTheTlsTunnel() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("rules:\n"
                + "  - { name: gfw, match: { protocol: [fully-encrypted] }, action: { type: reset } }\n", "p.yaml");
        PolicyHolder holder = new PolicyHolder(policy);
        byte[] bytes = new byte[64 * 1024];
        new SplittableRandom(3).nextBytes(bytes);
        try (VpnEndpoint shadowsocks = VpnEndpoint.start(VpnKind.SHADOWSOCKS, echoAddress(), null);
             VpnEndpoint tls = VpnEndpoint.start(VpnKind.TLS, echoAddress(), "www.example.test");
             CensorProxy ssProxy = CensorProxy.start(ProxyOptions.forward(shadowsocks.address()).policy(holder)
                     .build());
             CensorProxy tlsProxy = CensorProxy.start(ProxyOptions.forward(tls.address()).policy(holder).build());
             VpnClient ssClient = VpnClient.start(VpnRoute.to(ssProxy.localAddress(), shadowsocks, null));
             VpnClient tlsClient = VpnClient.start(VpnRoute.to(tlsProxy.localAddress(), tls, "www.example.test"))) {
            assertThat(catchThrowable(() -> roundTrip(ssClient.entry(), bytes)))
                    .as("Shadowsocks's first packet is random: reset").isInstanceOf(IOException.class);
            assertThat(ssClient.cut().get("vpn.ok")).isZero();
            assertThat(roundTrip(tlsClient.entry(), bytes)).as("the TLS tunnel is exempt (Ex5)").isEqualTo(bytes);
            assertThat(tlsClient.cut().get("vpn.ok_ratio")).isEqualTo(1.0);
        }
    }

    @Test
    void switchingRouteShouldResetConnectionsOnTheOldOne() throws Exception {
        try (VpnEndpoint endpoint = VpnEndpoint.start(VpnKind.OPENVPN, echoAddress(), null);
             VpnClient client = VpnClient.start(VpnRoute.to(endpoint.address(), endpoint, null));
             Socket app = new Socket()) {
            app.connect(client.entry(), 2_000);
            app.setSoTimeout(5_000);
            app.getOutputStream().write(new byte[] {1, 2, 3});
            assertThat(app.getInputStream().readNBytes(3)).isEqualTo(new byte[] {1, 2, 3});
            client.use(VpnRoute.direct(echoAddress()));
            Throwable failure = catchThrowable(() -> {
                app.getOutputStream().write(new byte[] {4});
                int read = app.getInputStream().read();
                if (read >= 0) {
                    throw new AssertionError("still connected: read " + read);
                }
                throw new IOException("closed");
            });
            assertThat(failure).isInstanceOf(IOException.class);
            assertThat(roundTrip(client.entry(), new byte[] {9, 8, 7})).as("the direct route works")
                    .isEqualTo(new byte[] {9, 8, 7});
            assertThat(Arrays.asList(client.cut().get("vpn.connects"))).containsExactly(1.0);
        }
    }
}
