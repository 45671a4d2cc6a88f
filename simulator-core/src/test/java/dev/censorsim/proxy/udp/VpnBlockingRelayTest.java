package dev.censorsim.proxy.udp;

import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LeakWatch;
import dev.censorsim.trace.VpnPayloads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The done-when check of the VPN issue, over real loopback UDP: a relay whose policy drops {@code protocol:
 * [wireguard]} drops a WireGuard handshake initiation and its retries, while other UDP (an OpenVPN reset, opaque
 * datagrams) passes both ways.
 */
@Timeout(60)
class VpnBlockingRelayTest {

    private final BlockingQueue<UdpFlowRecord> records = new LinkedBlockingQueue<>();
    private final SplittableRandom random = new SplittableRandom(5);

    @BeforeAll
    static void watchLeaks() {
        LeakWatch.install();
    }

    @AfterEach
    void noLeaks() throws InterruptedException {
        LeakWatch.assertNoLeaks();
    }

    @Test
    void wireGuardInitiationAndItsRetriesShouldBeDroppedWhileOtherUdpPasses() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("rules:\n"
                + "  - { name: no-wireguard, match: { protocol: [wireguard] }, action: { type: drop } }\n", "vpn.yaml");
        try (UdpPeer server = new UdpPeer();
             UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(server.address())
                     .policy(new PolicyHolder(policy)).idleTimeout(Duration.ofMillis(500)).listener(records::add)
                     .build());
             UdpPeer wireGuardClient = new UdpPeer(); UdpPeer openVpnClient = new UdpPeer();
             UdpPeer otherClient = new UdpPeer()) {
            // The initiation, then WireGuard's retries (a fresh sender index each time, the same socket).
            for (int attempt = 0; attempt < 3; attempt++) {
                wireGuardClient.send(VpnPayloads.wireGuardInitiation(random.nextInt(), random), relay.localAddress());
                Thread.sleep(50);
            }
            byte[] reset = VpnPayloads.openVpnControl(7, random.nextLong(), 20, 1, -1, 0, 0, new byte[0], random);
            openVpnClient.send(reset, relay.localAddress());
            byte[] opaque = new byte[300];
            random.nextBytes(opaque);
            opaque[0] = 0x35;
            otherClient.send(opaque, relay.localAddress());

            UdpPeer.Received first = server.receive(2_000);
            UdpPeer.Received second = server.receive(2_000);
            assertThat(first).as("the OpenVPN reset and the opaque datagram reach the server").isNotNull();
            assertThat(second).isNotNull();
            assertThat(java.util.List.of(first.payload().length, second.payload().length))
                    .containsExactlyInAnyOrder(reset.length, opaque.length);
            assertThat(server.receive(300)).as("no WireGuard initiation got through").isNull();
            server.send("pong".getBytes(), first.from());
            UdpPeer.Received back = (first.payload().length == reset.length ? openVpnClient : otherClient)
                    .receive(2_000);
            assertThat(back).as("replies pass too").isNotNull();

            UdpFlowRecord wireGuard = null;
            for (int i = 0; i < 3; i++) {
                UdpFlowRecord record = records.poll(5, TimeUnit.SECONDS);
                assertThat(record).as("every flow ended and was logged").isNotNull();
                if (record.protocol() == Protocol.WIREGUARD) {
                    wireGuard = record;
                } else {
                    assertThat(record.droppedUp()).as("%s flow untouched", record.protocol()).isZero();
                }
            }
            assertThat(wireGuard).isNotNull();
            assertThat(wireGuard.ruleName()).isEqualTo("no-wireguard");
            assertThat(wireGuard.packetsUp()).isEqualTo(3);
            assertThat(wireGuard.droppedUp()).as("the initiation and both retries").isEqualTo(3);
        }
    }
}
