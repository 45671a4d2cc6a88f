package dev.censorsim.dns;

import dev.censorsim.policy.Cidr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Client allow-lists, the open-resolver refusal, ANY minimisation and the response-rate limit, over real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsServerHardeningTest {

    private static final int A = 1;
    private static final int ANY = 255;
    private final List<AutoCloseable> open = new ArrayList<>();

    private DnsServer server(DnsServerOptions.Builder options) {
        DnsServer server = DnsServer.start(options.zone(DnsServerTest.messengerZone()).build());
        open.add(server);
        return server;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void clientOutsideTheAllowListShouldBeRefusedOnUdpAndTcp() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().allowClient(Cidr.parse("10.0.0.0/8")));

        byte[] udp = RawDns.udp(server.udpAddress(), RawDns.query(7, "g.whatsapp.net", A, 0), 2_000);
        assertThat(RawDns.rcode(udp)).isEqualTo(DnsAnswer.REFUSED);
        assertThat(RawDns.answerCount(udp)).isZero();
        try (Socket tcp = new Socket()) {
            tcp.connect(server.udpAddress(), 2_000);
            tcp.setSoTimeout(2_000);
            byte[] reply = RawDns.tcpExchange(tcp, RawDns.query(8, "g.whatsapp.net", A, 0));
            assertThat(RawDns.rcode(reply)).isEqualTo(DnsAnswer.REFUSED);
        }
    }

    @Test
    void clientInsideTheAllowListShouldBeAnswered() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().allowClient(Cidr.parse("10.0.0.0/8"))
                .allowClient(Cidr.parse("127.0.0.0/8")));

        byte[] reply = RawDns.udp(server.udpAddress(), RawDns.query(7, "g.whatsapp.net", A, 0), 2_000);

        assertThat(RawDns.rcode(reply)).isZero();
        assertThat(RawDns.answerCount(reply)).isEqualTo(1);
    }

    @Test
    void forwardingOnAPublicAddressWithoutAnAllowListShouldBeRefusedBeforeBinding() throws Exception {
        // Never bound: the check is in the options, so the test listens nowhere but loopback.
        DnsServerOptions.Builder open = DnsServerOptions.builder()
                .listen(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 5353))
                .upstream(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));

        assertThatThrownBy(open::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("refusing to forward to 127.0.0.1:53 for any client while listening on 0.0.0.0: name the "
                        + "clients with --allow-client CIDR (0.0.0.0/0 and ::/0 for everyone, at your own risk)");
        assertThat(open.allowClient(Cidr.parse("192.0.2.0/24")).build().allows(InetAddress.getByName("192.0.2.9")))
                .isTrue();
    }

    @Test
    void anyShouldBeAnsweredWithOneRrsetAsRfc8482Asks() throws Exception {
        DnsServer server = server(DnsServerOptions.builder());

        byte[] any = RawDns.udp(server.udpAddress(), RawDns.query(9, "g.whatsapp.net", ANY, 1232), 2_000);

        // g.whatsapp.net holds A, AAAA and HTTPS; the answer is the A set alone.
        assertThat(RawDns.rcode(any)).isZero();
        assertThat(RawDns.answerCount(any)).isEqualTo(1);
        assertThat(any).as("A record 127.0.0.1 at the end of the answer")
                .endsWith(new byte[] {0, 4, 127, 0, 0, 1, 0, 0, 41, 4, (byte) 0xd0, 0, 0, 0, 0, 0, 0});
    }

    @Test
    void responsesOverTheRateShouldBeTruncatedEmptyForTheSameNetwork() throws Exception {
        DnsServer server = server(DnsServerOptions.builder()
                .rateLimit(new DnsServerOptions.RateLimit(5, false, true)));

        int full = 0;
        int slipped = 0;
        for (int i = 0; i < 30; i++) {
            byte[] reply = RawDns.udp(server.udpAddress(), RawDns.query(i, "g.whatsapp.net", A, 0), 2_000);
            if (RawDns.truncated(reply)) {
                assertThat(RawDns.answerCount(reply)).isZero();
                slipped++;
            } else {
                full++;
            }
        }
        // 5 of burst plus 5/s refill over however long 30 round trips took on a busy machine.
        assertThat(full).isBetween(5, 25);
        assertThat(slipped).isPositive();
    }

    @Test
    void dropModeShouldSendNothingOverTheRate() throws Exception {
        DnsServer server = server(DnsServerOptions.builder()
                .rateLimit(new DnsServerOptions.RateLimit(2, true, true)));

        int unanswered = 0;
        for (int i = 0; i < 12; i++) {
            if (RawDns.udp(server.udpAddress(), RawDns.query(i, "g.whatsapp.net", A, 0), 300) == null) {
                unanswered++;
            }
        }
        assertThat(unanswered).isPositive();
    }

    @Test
    void loopbackClientsShouldBeExemptUnlessIncluded() throws Exception {
        DnsServer server = server(DnsServerOptions.builder()
                .rateLimit(new DnsServerOptions.RateLimit(1, false, false)));

        for (int i = 0; i < 20; i++) {
            byte[] reply = RawDns.udp(server.udpAddress(), RawDns.query(i, "g.whatsapp.net", A, 0), 2_000);
            assertThat(RawDns.truncated(reply)).as("query %d", i).isFalse();
        }
    }
}
