package dev.censorsim.proxy.udp;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.testing.LeakWatch;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** SOCKS5 UDP ASSOCIATE (RFC 1928 §7) through the censor, driven by a hand-written client. */
@Timeout(30)
class SocksUdpAssociateTest {

    private final BlockingQueue<UdpFlowRecord> records = new LinkedBlockingQueue<>();

    @BeforeAll
    static void watchLeaks() {
        LeakWatch.install();
    }

    @AfterEach
    void noLeaks() throws InterruptedException {
        LeakWatch.assertNoLeaks();
    }

    @Test
    void associateShouldRelayDatagramsBothWaysAndEndWithTheControlConnection() throws Exception {
        try (UdpPeer server = new UdpPeer(); UdpPeer client = new UdpPeer();
             CensorProxy proxy = socks(CompiledPolicy.empty())) {
            InetSocketAddress relay;
            try (Socket control = new Socket(proxy.localAddress().getAddress(), proxy.localAddress().getPort())) {
                control.setSoTimeout(5_000);
                relay = associate(control, 0);
                assertThat(relay.getAddress().isLoopbackAddress()).as("the relay binds on loopback").isTrue();

                client.send(wrap(server.address(), 0, "ping".getBytes()), relay);
                UdpPeer.Received atServer = server.receive(2_000);
                assertThat(atServer).isNotNull();
                assertThat(new String(atServer.payload())).as("the header is stripped").isEqualTo("ping");
                server.send("pong".getBytes(), atServer.from());

                UdpPeer.Received atClient = client.receive(2_000);
                assertThat(atClient).isNotNull();
                assertThat(atClient.payload()).as("the reply comes wrapped with the server's address")
                        .isEqualTo(wrap(server.address(), 0, "pong".getBytes()));

                client.send(wrap(server.address(), 1, "fragment".getBytes()), relay);
                try (UdpPeer stranger = new UdpPeer()) {
                    stranger.send(wrap(server.address(), 0, "stranger".getBytes()), relay);
                }
                assertThat(server.receive(300)).as("fragments and other sockets are not relayed").isNull();
            }
            UdpFlowRecord record = records.poll(5, TimeUnit.SECONDS);
            assertThat(record).isNotNull();
            assertThat(record.end()).isEqualTo(UdpFlowEnd.CONTROL_CLOSED);
            assertThat(record.packetsUp()).isEqualTo(1);
            assertThat(record.packetsDown()).isEqualTo(1);
            client.send(wrap(server.address(), 0, "late".getBytes()), relay);
            assertThat(server.receive(300)).as("the association died with its control connection").isNull();
        }
    }

    @Test
    void associatedCallsShouldMeetThePolicy() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse(
                "rules: [ { name: calls, match: { protocol: [stun] }, action: { type: drop } } ]\n", "t.yaml");
        try (UdpPeer server = new UdpPeer(); UdpPeer client = new UdpPeer(); CensorProxy proxy = socks(policy);
             Socket control = new Socket(proxy.localAddress().getAddress(), proxy.localAddress().getPort())) {
            control.setSoTimeout(5_000);
            InetSocketAddress relay = associate(control, client.address().getPort());

            client.send(wrap(server.address(), 0, Datagrams.stunBindingRequest(7)), relay);
            client.send(wrap(server.address(), 0, Datagrams.dnsQuery(7)), relay);

            assertThat(server.drain(300, 5)).as("the STUN flow is dropped; one destination is one flow")
                    .isEmpty();
        }
    }

    @Test
    void associateShouldBeRefusedWhenUdpIsOff() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build());
             Socket control = new Socket(proxy.localAddress().getAddress(), proxy.localAddress().getPort())) {
            control.setSoTimeout(5_000);
            byte[] reply = request(control, 0);
            assertThat(reply[1]).as("REP 0x07 command not supported").isEqualTo((byte) 0x07);
        }
    }

    @Test
    void largeDatagramsShouldPassWholeBothWays() throws Exception {
        // The largest is the IPv4 maximum of 65,507 B less the 10 B SOCKS header the client side carries.
        int[] sizes = {2_049, 4_096, 9_000, 65_507 - 10};
        java.util.Random random = new java.util.Random(4_096);
        try (UdpPeer server = new UdpPeer(); UdpPeer client = new UdpPeer();
             CensorProxy proxy = socks(CompiledPolicy.empty());
             Socket control = new Socket(proxy.localAddress().getAddress(), proxy.localAddress().getPort())) {
            control.setSoTimeout(5_000);
            InetSocketAddress relay = associate(control, client.address().getPort());
            for (int size : sizes) {
                byte[] up = new byte[size];
                random.nextBytes(up);
                client.send(wrap(server.address(), 0, up), relay);
                UdpPeer.Received atServer = server.receive(5_000);
                assertThat(atServer).as("%d B datagram at the server", size).isNotNull();
                assertThat(atServer.payload()).as("%d B, header stripped, byte for byte", size).hasSize(size)
                        .isEqualTo(up);

                byte[] down = new byte[size];
                random.nextBytes(down);
                server.send(down, atServer.from());
                UdpPeer.Received atClient = client.receive(5_000);
                assertThat(atClient).as("%d B reply at the client", size).isNotNull();
                assertThat(atClient.payload()).as("%d B reply, wrapped, byte for byte", size)
                        .hasSize(size + 10).isEqualTo(wrap(server.address(), 0, down));
            }
        }
    }

    @Test
    void delayedDatagramsShouldHoldTheirOwnBytesNotTheBuffersTheyWereReadInto() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse(
                "rules: [ { name: lag, action: { type: delay, latency: 3s } } ]\n", "t.yaml");
        ByteBufAllocatorMetric direct = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        try (UdpPeer server = new UdpPeer(); UdpPeer client = new UdpPeer(); CensorProxy proxy = socks(policy);
             Socket control = new Socket(proxy.localAddress().getAddress(), proxy.localAddress().getPort())) {
            control.setSoTimeout(5_000);
            InetSocketAddress relay = associate(control, client.address().getPort());
            client.send(wrap(server.address(), 0, new byte[10]), relay); // opens the flow
            Thread.sleep(200);
            long before = direct.usedDirectMemory();

            for (int i = 0; i < 1_000; i++) {
                client.send(wrap(server.address(), 0, new byte[10]), relay);
            }
            Thread.sleep(500); // read by the relay, still waiting out the 3 s

            // Each was read into a 64 KiB buffer: kept as read, a thousand pinned about 64 MiB.
            assertThat(direct.usedDirectMemory() - before).as("direct memory held by 1,000 waiting 10 B datagrams")
                    .isLessThan(16L << 20);
            assertThat(server.receive(6_000)).as("they are delayed, not dropped").isNotNull();
        }
    }

    @Test
    void aReplyFromAnIpv4MappedDestinationShouldNameItAsTheClientDid() throws Exception {
        try (UdpPeer server = new UdpPeer(); UdpPeer client = new UdpPeer();
             CensorProxy proxy = socks(CompiledPolicy.empty());
             Socket control = new Socket(proxy.localAddress().getAddress(), proxy.localAddress().getPort())) {
            control.setSoTimeout(5_000);
            InetSocketAddress relay = associate(control, client.address().getPort());
            byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
            ByteBuffer request = ByteBuffer.allocate(4 + 16 + 2 + 4);
            request.putShort((short) 0).put((byte) 0).put((byte) 4).put(mapped)
                    .putShort((short) server.address().getPort()).put("ping".getBytes());

            client.send(request.array(), relay);
            UdpPeer.Received atServer = server.receive(2_000);
            assertThat(atServer).isNotNull();
            server.send("pong".getBytes(), atServer.from());
            UdpPeer.Received atClient = client.receive(2_000);

            assertThat(atClient).isNotNull();
            ByteBuffer reply = ByteBuffer.allocate(4 + 16 + 2 + 4);
            reply.putShort((short) 0).put((byte) 0).put((byte) 4).put(mapped)
                    .putShort((short) server.address().getPort()).put("pong".getBytes());
            assertThat(atClient.payload()).as("ATYP 4 and the 16 bytes it was sent with").isEqualTo(reply.array());
        }
    }

    private CensorProxy socks(CompiledPolicy policy) throws IOException {
        return CensorProxy.start(ProxyOptions.socks().udpAssociate(new SocksUdpSettings(new PolicyHolder(policy),
                records::add, Duration.ofSeconds(30), null)).build());
    }

    /** Greeting (no auth), then UDP ASSOCIATE; returns BND.ADDR:BND.PORT from a success reply. */
    private static InetSocketAddress associate(Socket control, int clientPort) throws IOException {
        byte[] reply = request(control, clientPort);
        assertThat(reply[1]).as("REP succeeded").isEqualTo((byte) 0);
        assertThat(reply[3]).as("ATYP IPv4").isEqualTo((byte) 1);
        byte[] address = Arrays.copyOfRange(reply, 4, 8);
        int port = ((reply[8] & 0xff) << 8) | (reply[9] & 0xff);
        return new InetSocketAddress(InetAddress.getByAddress(address), port);
    }

    /** RFC 1928 §3 greeting and §4 request with CMD 3 and DST 0.0.0.0:clientPort; returns the 10-byte IPv4 reply. */
    private static byte[] request(Socket control, int clientPort) throws IOException {
        OutputStream out = control.getOutputStream();
        DataInputStream in = new DataInputStream(control.getInputStream());
        out.write(new byte[] {5, 1, 0});
        byte[] method = new byte[2];
        in.readFully(method);
        assertThat(method).containsExactly(5, 0);
        out.write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, (byte) (clientPort >>> 8), (byte) clientPort});
        byte[] reply = new byte[10];
        in.readFully(reply);
        assertThat(reply[0]).isEqualTo((byte) 5);
        return reply;
    }

    /** RFC 1928 §7: RSV, FRAG, ATYP 1, DST.ADDR, DST.PORT, DATA. */
    private static byte[] wrap(InetSocketAddress to, int frag, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(10 + data.length);
        b.putShort((short) 0).put((byte) frag).put((byte) 1).put(to.getAddress().getAddress())
                .putShort((short) to.getPort()).put(data);
        return b.array();
    }
}
