package dev.censorsim.dns;

import dev.censorsim.net.Transport;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsServerTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    static Zone messengerZone() {
        return Zone.builder("whatsapp.net")
                .a("g.whatsapp.net", "127.0.0.1")
                .aaaa("g.whatsapp.net", "::1")
                .https("g.whatsapp.net", 1, ".", "h2")
                .cname("mmg.whatsapp.net", "g.whatsapp.net")
                .cname("chain.whatsapp.net", "mmg.whatsapp.net")
                .cname("loop1.whatsapp.net", "loop2.whatsapp.net")
                .cname("loop2.whatsapp.net", "loop1.whatsapp.net")
                .cname("away.whatsapp.net", "cdn.elsewhere.test")
                .cname("dangling.whatsapp.net", "gone.whatsapp.net")
                .a("deep.under.whatsapp.net", "127.0.0.2")
                .build();
    }

    private DnsServer server(DnsServerOptions.Builder options) {
        DnsServer server = DnsServer.start(options.build());
        open.add(server);
        return server;
    }

    private DnsLookupClient client(DnsServer server) {
        DnsLookupClient client = DnsLookupClient.open(server.udpAddress(), Duration.ofSeconds(2));
        open.add(client);
        return client;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private static DnsLookupResult lookup(DnsLookupClient client, String name, DnsRecordType type) {
        return client.lookup(name, type).join();
    }

    @Test
    void allowedNameShouldResolveToItsAddressWithAuthority() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()));
        DnsLookupClient client = client(server);

        DnsLookupResult a = lookup(client, "g.whatsapp.net", DnsRecordType.A);
        DnsLookupResult aaaa = lookup(client, "G.WhatsApp.NET", DnsRecordType.AAAA);

        assertThat(a.outcome()).isEqualTo(DnsLookupOutcome.OK);
        assertThat(a.addresses()).containsExactly(InetAddress.getByName("127.0.0.1"));
        assertThat(aaaa.addresses()).as("names are case-insensitive").containsExactly(InetAddress.getByName("::1"));
        byte[] raw = RawDns.udp(server.udpAddress(), RawDns.query(0x1234, "g.whatsapp.net", 1, 0), 2000);
        assertThat(RawDns.id(raw)).isEqualTo(0x1234);
        assertThat(RawDns.flags(raw) & 0x0400).as("AA for a zone answer").isNotZero();
        assertThat(RawDns.flags(raw) & 0x0100).as("RD copied").isNotZero();
        assertThat(RawDns.flags(raw) & 0x0080).as("RA only when forwarding").isZero();
    }

    @Test
    void cnameChainShouldBeFollowedInsideTheZoneAndLoopsShouldEnd() {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()));
        DnsLookupClient client = client(server);

        assertThat(lookup(client, "chain.whatsapp.net", DnsRecordType.A).addresses())
                .extracting(InetAddress::getHostAddress).containsExactly("127.0.0.1");
        assertThat(lookup(client, "loop1.whatsapp.net", DnsRecordType.A).outcome())
                .as("a CNAME loop is answered, without the asked type").isEqualTo(DnsLookupOutcome.NODATA);
        assertThat(lookup(client, "dangling.whatsapp.net", DnsRecordType.A).outcome())
                .as("RFC 6604: the RCODE describes the end of the chain").isEqualTo(DnsLookupOutcome.NXDOMAIN);
        assertThat(lookup(client, "away.whatsapp.net", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.NODATA);
    }

    @Test
    void negativeAnswersShouldDistinguishNxdomainFromNodataWithSoa() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()));
        DnsLookupClient client = client(server);

        assertThat(lookup(client, "nope.whatsapp.net", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.NXDOMAIN);
        assertThat(lookup(client, "g.whatsapp.net", DnsRecordType.TXT).outcome()).isEqualTo(DnsLookupOutcome.NODATA);
        assertThat(lookup(client, "under.whatsapp.net", DnsRecordType.A).outcome())
                .as("an empty non-terminal exists").isEqualTo(DnsLookupOutcome.NODATA);
        byte[] raw = RawDns.udp(server.udpAddress(), RawDns.query(7, "nope.whatsapp.net", 1, 0), 2000);
        int nscount = (raw[8] & 0xff) << 8 | raw[9] & 0xff;
        assertThat(nscount).as("SOA in the authority section of a negative answer").isEqualTo(1);
    }

    @Test
    void nameOutsideEveryZoneShouldBeRefusedWhenNotForwarding() {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()));

        assertThat(lookup(client(server), "example.org", DnsRecordType.A).outcome())
                .isEqualTo(DnsLookupOutcome.REFUSED);
    }

    @Test
    void ednsShouldBeEchoedAndLargeAnswersTruncatedOnUdpButWholeOnTcp() throws Exception {
        Zone.Builder big = Zone.builder("big.test");
        for (int i = 0; i < 40; i++) {
            big.txt("txt.big.test", "record " + i + " " + "x".repeat(40));
        }
        DnsServer server = server(DnsServerOptions.builder().zone(big.build()));

        byte[] classic = RawDns.udp(server.udpAddress(), RawDns.query(1, "txt.big.test", 16, 0), 2000);
        byte[] edns = RawDns.udp(server.udpAddress(), RawDns.query(2, "txt.big.test", 16, 4096), 2000);
        byte[] whole;
        try (Socket socket = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
            socket.setSoTimeout(2000);
            whole = RawDns.tcpExchange(socket, RawDns.query(3, "txt.big.test", 16, 0));
        }

        assertThat(classic.length).isLessThanOrEqualTo(512);
        assertThat(RawDns.truncated(classic)).as("TC without EDNS").isTrue();
        assertThat(RawDns.answerCount(classic)).isZero();
        assertThat(RawDns.truncated(edns)).as("over our 1232-byte cap even with EDNS 4096").isTrue();
        assertThat(edns.length).isLessThanOrEqualTo(1232);
        assertThat(RawDns.additionalCount(edns)).as("OPT answered").isEqualTo(1);
        assertThat(RawDns.truncated(whole)).isFalse();
        assertThat(RawDns.answerCount(whole)).isEqualTo(40);
    }

    @Test
    void theOptShouldAdvertiseTheConfiguredUdpPayloadOverTcpAsOverUdp() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()).maxUdpPayload(4000));
        byte[] query = RawDns.query(4, "g.whatsapp.net", 1, 4096);

        byte[] udp = RawDns.udp(server.udpAddress(), query, 2000);
        byte[] tcp;
        try (Socket socket = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
            socket.setSoTimeout(2000);
            tcp = RawDns.tcpExchange(socket, query);
        }

        assertThat(RawDns.optPayloadSize(udp)).as("UDP: the smaller of the query's and ours").isEqualTo(4000);
        assertThat(RawDns.optPayloadSize(tcp)).as("TCP, the same").isEqualTo(4000);
    }

    @Test
    void aThreeKibQueryShouldBeAnsweredOnEveryTransport() throws Exception {
        List<Transport> transports = new ArrayList<>(List.of(Transport.NIO));
        if (Epoll.isAvailable()) {
            transports.add(Transport.EPOLL);
        }
        if (IoUring.isAvailable()) {
            transports.add(Transport.IO_URING);
        }
        // Over Netty's default 2,048-byte datagram buffer, under the server's 4,096-byte query slots.
        byte[] query = RawDns.padded(RawDns.query(9, "g.whatsapp.net", 1, 1232), 3 * 1024);

        for (Transport transport : transports) {
            DnsServer server = DnsServer.start(DnsServerOptions.builder().zone(messengerZone()).build(), transport);
            open.add(server);

            byte[] reply = RawDns.udp(server.udpAddress(), query, 2000);

            assertThat(reply).as("answered on %s", transport).isNotNull();
            assertThat(RawDns.rcode(reply)).as("rcode on %s", transport).isEqualTo(DnsAnswer.NOERROR);
            assertThat(RawDns.answerCount(reply)).as("answers on %s", transport).isEqualTo(1);
        }
    }

    @Test
    void nioShouldReadSixteenQueriesPerWakeUp() {
        // Its 4,096-byte allocator once read one datagram per selector wake-up (an allocator set as an option starts
        // at one message per read): a quarter of NIO's queries/s against dnsperf (compare.sh dns: 84 k against 115 k).
        DnsServer server = DnsServer.start(DnsServerOptions.builder().zone(messengerZone()).build(), Transport.NIO);
        open.add(server);

        RecvByteBufAllocator allocator = server.udpConfig().getRecvByteBufAllocator();

        assertThat(allocator).isInstanceOf(MaxMessagesRecvByteBufAllocator.class);
        assertThat(((MaxMessagesRecvByteBufAllocator) allocator).maxMessagesPerRead()).isEqualTo(16);
    }

    @Test
    void policyShouldRemoveNamesAndSwapByPhase() throws Exception {
        CompiledPolicy removal = PolicyLoader.parse("""
                rules:
                  - name: removal
                    match: { qname: [whatsapp.com] }
                    action: { type: nxdomain }
                """, "removal.yaml");
        PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
        DnsServer server = server(DnsServerOptions.builder().policy(holder)
                .zone(Zone.builder().a("web.whatsapp.com", "127.0.0.1").a("g.whatsapp.net", "127.0.0.1").build()));
        DnsLookupClient client = client(server);

        DnsLookupResult before = lookup(client, "web.whatsapp.com", DnsRecordType.A);
        holder.swap(removal);
        DnsLookupResult during = lookup(client, "web.whatsapp.com", DnsRecordType.A);
        DnsLookupResult untouched = lookup(client, "g.whatsapp.net", DnsRecordType.A);
        holder.swap(CompiledPolicy.empty());
        DnsLookupResult after = lookup(client, "web.whatsapp.com", DnsRecordType.A);

        assertThat(before.outcome()).isEqualTo(DnsLookupOutcome.OK);
        assertThat(during.outcome()).isEqualTo(DnsLookupOutcome.NXDOMAIN);
        assertThat(untouched.outcome()).isEqualTo(DnsLookupOutcome.OK);
        assertThat(after.outcome()).isEqualTo(DnsLookupOutcome.OK);
        assertThat(removal.dnsRules().get(0).queries()).as("per-rule counter counts queries").isEqualTo(1);
    }

    @Test
    void surgeryActionsShouldShapeTheAnswer() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: no-v6
                    match: { qname: [g.whatsapp.net], qtype: [AAAA, HTTPS] }
                    action: { type: strip, types: [AAAA, HTTPS] }
                  - name: short-ttl
                    match: { qname: [mmg.whatsapp.net] }
                    action: { type: ttl, ttl: 0 }
                  - name: block-page
                    match: { qname: [blocked.test] }
                    action: { type: sinkhole, ipv4: 10.10.34.35, ipv6: "::1" }
                  - name: broken
                    match: { qname: [servfail.test] }
                    action: { type: servfail }
                  - name: refuse
                    match: { qname: [refused.test] }
                    action: { type: refused }
                  - name: gone
                    match: { qname: [nodata.test] }
                    action: { type: nodata }
                  - name: silent
                    match: { qname: [silent.test] }
                    action: { type: timeout }
                """, "surgery.yaml");
        DnsServer server = server(DnsServerOptions.builder().policy(policy).zone(messengerZone()));
        DnsLookupClient client = DnsLookupClient.open(server.udpAddress(), Duration.ofMillis(300));
        open.add(client);

        assertThat(lookup(client, "g.whatsapp.net", DnsRecordType.AAAA).outcome()).isEqualTo(DnsLookupOutcome.NODATA);
        assertThat(lookup(client, "g.whatsapp.net", DnsRecordType.HTTPS).outcome()).isEqualTo(DnsLookupOutcome.NODATA);
        assertThat(lookup(client, "g.whatsapp.net", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.OK);
        byte[] ttl = RawDns.udp(server.udpAddress(), RawDns.query(9, "mmg.whatsapp.net", 1, 0), 2000);
        assertThat(RawDns.answerCount(ttl)).isEqualTo(2);
        assertThat(ttlOfFirstAnswer(ttl, "mmg.whatsapp.net")).isZero();
        assertThat(lookup(client, "www.blocked.test", DnsRecordType.A).addresses())
                .extracting(InetAddress::getHostAddress).containsExactly("10.10.34.35");
        assertThat(lookup(client, "blocked.test", DnsRecordType.TXT).outcome()).isEqualTo(DnsLookupOutcome.NODATA);
        assertThat(lookup(client, "servfail.test", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.SERVFAIL);
        assertThat(lookup(client, "refused.test", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.REFUSED);
        assertThat(lookup(client, "nodata.test", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.NODATA);
        assertThat(lookup(client, "silent.test", DnsRecordType.A).outcome()).isEqualTo(DnsLookupOutcome.TIMEOUT);
    }

    /** The TTL of the first answer record after the question for {@code name}. */
    private static long ttlOfFirstAnswer(byte[] m, String name) {
        int at = 12 + name.length() + 2 + 4; // question: labels + root, type, class
        while ((m[at] & 0xc0) == 0 && m[at] != 0) { // answer owner: labels, then a root label or a pointer
            at += 1 + m[at];
        }
        at += (m[at] & 0xc0) == 0xc0 ? 2 : 1;
        at += 4;                             // type, class
        return (m[at] & 0xffL) << 24 | (m[at + 1] & 0xffL) << 16 | (m[at + 2] & 0xffL) << 8 | m[at + 3] & 0xffL;
    }

    @Test
    void forwardingShouldAskOnlyTheUpstreamAndSetRecursionAvailable() throws Exception {
        List<DnsQueryEvent> upstreamLog = new CopyOnWriteArrayList<>();
        DnsServer upstream = server(DnsServerOptions.builder().queryListener(upstreamLog::add)
                .zone(Zone.builder("elsewhere.test").a("cdn.elsewhere.test", "127.0.0.9").build()));
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: v4-only
                    match: { qname: [elsewhere.test] }
                    action: { type: ttl, ttl: 5 }
                """, "fwd.yaml");
        DnsServer server = server(DnsServerOptions.builder().policy(policy).zone(messengerZone())
                .upstream(upstream.udpAddress()));
        DnsLookupClient client = client(server);

        DnsLookupResult forwarded = lookup(client, "cdn.elsewhere.test", DnsRecordType.A);
        DnsLookupResult missing = lookup(client, "nope.elsewhere.test", DnsRecordType.A);
        DnsLookupResult local = lookup(client, "g.whatsapp.net", DnsRecordType.A);
        byte[] raw = RawDns.udp(server.udpAddress(), RawDns.query(5, "cdn.elsewhere.test", 1, 0), 2000);

        assertThat(forwarded.addresses()).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.9");
        assertThat(missing.outcome()).isEqualTo(DnsLookupOutcome.NXDOMAIN);
        assertThat(local.outcome()).isEqualTo(DnsLookupOutcome.OK);
        assertThat(RawDns.flags(raw) & 0x0080).as("RA when forwarding").isNotZero();
        assertThat(RawDns.flags(raw) & 0x0400).as("not authoritative for forwarded names").isZero();
        assertThat(ttlOfFirstAnswer(raw, "cdn.elsewhere.test")).as("surgery applies to forwarded answers").isEqualTo(5);
        assertThat(upstreamLog).extracting(DnsQueryEvent::qname)
                .as("zone names are never forwarded").noneMatch(n -> n.contains("whatsapp"));
    }

    @Test
    void truncatedUpstreamAnswerShouldBeRefetchedOverTcp() throws Exception {
        Zone.Builder big = Zone.builder("big.test");
        for (int i = 0; i < 60; i++) {
            big.txt("txt.big.test", "record " + i + " " + "y".repeat(40));
        }
        DnsServer upstream = server(DnsServerOptions.builder().zone(big.build()));
        DnsServer server = server(DnsServerOptions.builder().upstream(upstream.udpAddress()));

        byte[] whole;
        try (Socket socket = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
            socket.setSoTimeout(5000);
            whole = RawDns.tcpExchange(socket, RawDns.query(8, "txt.big.test", 16, 0));
        }

        assertThat(RawDns.rcode(whole)).isZero();
        assertThat(RawDns.answerCount(whole)).as("all 60 records, fetched from the upstream over TCP").isEqualTo(60);
    }

    @Test
    void upstreamSilenceShouldBecomeServfail() throws Exception {
        CompiledPolicy silent = PolicyLoader.parse("""
                rules:
                  - name: silent
                    action: { type: timeout }
                """, "silent.yaml");
        DnsServer upstream = server(DnsServerOptions.builder().policy(silent));
        DnsServer server = server(DnsServerOptions.builder().upstream(upstream.udpAddress())
                .upstreamTimeout(Duration.ofMillis(200)));

        DnsLookupResult result = lookup(client(server), "anything.test", DnsRecordType.A);

        assertThat(result.outcome()).isEqualTo(DnsLookupOutcome.SERVFAIL);
    }

    @Test
    void queryListenerShouldSeeOneEventPerQuery() {
        List<DnsQueryEvent> events = new CopyOnWriteArrayList<>();
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()).queryListener(events::add));
        DnsLookupClient client = client(server);

        lookup(client, "g.whatsapp.net", DnsRecordType.A);
        lookup(client, "nope.whatsapp.net", DnsRecordType.A);

        assertThat(events).hasSize(2);
        assertThat(events.get(0).toLogLine()).startsWith("udp 127.0.0.1:").contains("g.whatsapp.net. A NOERROR answers=1");
        assertThat(events.get(1).toLogLine()).contains("nope.whatsapp.net. A NXDOMAIN answers=0");
    }

    @Test
    void ipv6LoopbackShouldServeUdpAndTcp() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone())
                .listen(new InetSocketAddress(InetAddress.getByName("::1"), 0)));

        DnsLookupResult result = lookup(client(server), "g.whatsapp.net", DnsRecordType.AAAA);

        assertThat(server.udpAddress().getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(result.addresses()).containsExactly(InetAddress.getByName("::1"));
        try (Socket socket = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
            socket.setSoTimeout(2000);
            assertThat(RawDns.answerCount(RawDns.tcpExchange(socket, RawDns.query(1, "g.whatsapp.net", 1, 0))))
                    .isEqualTo(1);
        }
    }

    @Test
    void idleTcpConnectionShouldBeClosedByTheServer() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone())
                .tcpIdleTimeout(Duration.ofMillis(200)));
        try (Socket socket = new Socket(server.tcpAddress().getAddress(), server.tcpAddress().getPort())) {
            socket.setSoTimeout(5000);
            long start = System.nanoTime();

            int read = socket.getInputStream().read();

            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(read).as("EOF from the server").isEqualTo(-1);
            assertThat(elapsedMillis).as("closed after the idle timeout, not the read timeout").isBetween(150L, 3000L);
        }
    }

    @Test
    void tcpShouldAnswerPipelinedQueriesOnOneConnection() throws Exception {
        DnsServer server = server(DnsServerOptions.builder().zone(messengerZone()));
        InetSocketAddress tcp = server.tcpAddress();
        assertThat(tcp.getPort()).isEqualTo(server.udpAddress().getPort());
        try (Socket socket = new Socket(tcp.getAddress(), tcp.getPort())) {
            socket.setSoTimeout(2000);
            var out = socket.getOutputStream();
            for (int id = 1; id <= 3; id++) {
                byte[] q = RawDns.query(id, "g.whatsapp.net", 1, 0);
                out.write(q.length >>> 8);
                out.write(q.length);
                out.write(q);
            }
            out.flush();
            for (int id = 1; id <= 3; id++) {
                byte[] reply = RawDns.readFrame(socket.getInputStream());
                assertThat(RawDns.id(reply)).isEqualTo(id);
                assertThat(RawDns.answerCount(reply)).isEqualTo(1);
            }
        }
    }
}
