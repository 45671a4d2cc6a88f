package dev.censorsim.messenger;

import dev.censorsim.dns.DnsMessageProcessor;
import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.dns.Zone;
import dev.censorsim.metrics.Metric;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The messenger resolving through censorsim's DNS server, which shares its policy holder with the censor proxy, as in
 * a scenario: one policy carries the DNS removal and the SNI reset. Loopback only.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerDnsTest {

    private static final String CHAT = "g.whatsapp.net";
    private static final String MEDIA = "mmg.whatsapp.net";
    private static final String DOH = "dns.doh.test";

    private static final String CHAT_REMOVED = """
            rules:
              - name: nsdi-removal
                match: { qname: [g.whatsapp.net] }
                action: { type: nxdomain }
            """;

    private static final String CHAT_REMOVED_AND_RESET = CHAT_REMOVED + """
              - name: whatsapp-reset
                match: { sni: [whatsapp.net] }
                action: { type: reset }
            """;

    @Test
    void chatShouldFailWithNxdomainWhenItsNameIsRemovedAndThereIsNoFallback() throws Exception {
        try (Rig rig = new Rig(CHAT_REMOVED, 60)) {
            MessengerSnapshot s = rig.runChat(MessengerDns.via(rig.dns.udpAddress()), 1_500);

            assertThat(s.get(Metric.DNS_LOOKUPS)).isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.DNS_NXDOMAIN_RATIO)).isEqualTo(1.0);
            assertThat(s.get(Metric.DNS_UNRESOLVED)).isPositive();
            assertThat(s.get(Metric.CHAT_DELIVERED)).isZero();
            assertThat(s.get(Metric.CHAT_FAILED)).isPositive();
            assertThat(s.get(Metric.CONNECT_ATTEMPTS)).as("no address, so no TCP connect was ever made").isZero();
            assertThat(s.metrics()).as("connect ratios stay about connections: none were made")
                    .doesNotContainKey(Metric.CONNECT_OK_RATIO.name());
            assertThat(s.get(Metric.FIRST_FAILURE_SECONDS)).isLessThan(1.0);
        }
    }

    @Test
    void hardcodedFallbackShouldDeliverChatDespiteNxdomain() throws Exception {
        try (Rig rig = new Rig(CHAT_REMOVED, 60)) {
            MessengerDns dns = MessengerDns.via(rig.dns.udpAddress())
                    .withFallback(List.of(InetAddress.getLoopbackAddress()));
            MessengerSnapshot s = rig.runChat(dns, 1_500);

            assertThat(s.get(Metric.DNS_NXDOMAIN)).isPositive();
            assertThat(s.get(Metric.DNS_FALLBACK)).isEqualTo(s.get(Metric.DNS_NXDOMAIN));
            assertThat(s.get(Metric.DNS_UNRESOLVED)).isZero();
            assertThat(s.get(Metric.CONNECT_OK_RATIO)).isEqualTo(1.0);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void fallbackShouldNotHelpWhenTheSniIsResetToo() throws Exception {
        try (Rig rig = new Rig(CHAT_REMOVED_AND_RESET, 60)) {
            MessengerDns dns = MessengerDns.via(rig.dns.udpAddress())
                    .withFallback(List.of(InetAddress.getLoopbackAddress()));
            MessengerSnapshot s = rig.runChat(dns, 1_500);

            assertThat(s.get(Metric.DNS_FALLBACK)).isPositive();
            assertThat(s.get(Metric.CONNECT_ATTEMPTS)).isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.CONNECT_RESET_RATIO)).as("whatever the resolution, the ClientHello names WhatsApp")
                    .isGreaterThanOrEqualTo(0.95);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isZero();
        }
    }

    @Test
    void dohShouldDeliverChatWhenThePlainLookupIsNxdomain() throws Exception {
        try (Rig rig = new Rig(CHAT_REMOVED, 60)) {
            MessengerSnapshot s = rig.runChat(MessengerDns.via(rig.dns.udpAddress()).withDoh(DOH), 1_500);

            assertThat(s.get(Metric.DNS_NXDOMAIN)).as("the censor's resolver still removes the name").isPositive();
            assertThat(s.get(Metric.DNS_FALLBACK)).as("connects that used the DoH answer").isPositive();
            assertThat(s.get(Metric.DNS_UNRESOLVED)).isZero();
            assertThat(s.get(Metric.CONNECT_OK_RATIO)).as("DoH and chat connections alike").isEqualTo(1.0);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void dohShouldNotHelpWhenItsOwnNameIsSniReset() throws Exception {
        String policy = CHAT_REMOVED + """
                  - name: doh-reset
                    match: { sni: [dns.doh.test] }
                    action: { type: reset }
                """;
        try (Rig rig = new Rig(policy, 60)) {
            MessengerSnapshot s = rig.runChat(MessengerDns.via(rig.dns.udpAddress()).withDoh(DOH), 1_500);

            assertThat(s.get(Metric.CONNECT_RESET)).as("every DoH connection").isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.CONNECT_OK)).as("no address, so no chat connection").isZero();
            assertThat(s.get(Metric.DNS_UNRESOLVED)).isPositive();
            assertThat(s.get(Metric.DNS_FALLBACK)).isZero();
            assertThat(s.get(Metric.CHAT_DELIVERED)).isZero();
        }
    }

    @Test
    void answersShouldBeCachedForTheirTtlAndAskedAgainAfterIt() throws Exception {
        try (Rig rig = new Rig("", 1)) {
            MessengerClientOptions options = rig.options(MessengerDns.via(rig.dns.udpAddress()))
                    .churn(Duration.ofMillis(100)).build();
            MessengerSnapshot s = run(options, 2_500);

            assertThat(s.get(Metric.CONNECT_OK)).as("a reconnect every 100 ms").isGreaterThanOrEqualTo(10);
            assertThat(s.get(Metric.DNS_LOOKUPS)).as("about one lookup per 1 s TTL, not one per connect")
                    .isBetween(2.0, 4.0);
            assertThat(s.get(Metric.DNS_OK_RATIO)).isEqualTo(1.0);
            assertThat(s.get(Metric.DNS_LATENCY_P99)).as("a loopback answer").isLessThan(500);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void removalShouldTakeEffectOnlyOnceTheCachedAnswerExpires() throws Exception {
        try (Rig rig = new Rig("", 2)) {
            MessengerClientOptions options = rig.options(MessengerDns.via(rig.dns.udpAddress()))
                    .churn(Duration.ofMillis(100)).build();
            try (MessengerClient client = MessengerClient.start(options)) {
                Thread.sleep(500);
                client.cut();
                rig.policy.swap(PolicyLoader.parse(CHAT_REMOVED, "removed.yaml"));
                Thread.sleep(800);
                MessengerSnapshot cached = client.cut();
                Thread.sleep(2_500);
                MessengerSnapshot expired = client.cut();

                assertThat(cached.get(Metric.CONNECT_OK)).as("the answer cached before the removal still works")
                        .isGreaterThanOrEqualTo(3);
                assertThat(cached.get(Metric.DNS_LOOKUPS)).as("within the 2 s TTL").isZero();
                assertThat(expired.get(Metric.DNS_NXDOMAIN)).isPositive();
                assertThat(expired.get(Metric.DNS_UNRESOLVED)).isPositive();
            }
        }
    }

    private static MessengerSnapshot run(MessengerClientOptions options, long millis) throws InterruptedException {
        try (MessengerClient client = MessengerClient.start(options)) {
            Thread.sleep(millis);
            return client.cut();
        }
    }

    /** Messenger server, censor proxy (forward) and DNS server sharing one policy holder. */
    private static final class Rig implements AutoCloseable {
        final MessengerServer server;
        final PolicyHolder policy;
        final CensorProxy proxy;
        final DnsServer dns;

        Rig(String policyYaml, long ttlSeconds) throws Exception {
            CompiledPolicy compiled = policyYaml.isBlank() ? CompiledPolicy.empty()
                    : PolicyLoader.parse(policyYaml, "test-policy.yaml");
            policy = new PolicyHolder(compiled);
            Zone zone = Zone.builder().ttl(ttlSeconds).a(CHAT, "127.0.0.1").a(MEDIA, "127.0.0.1")
                    .a(DOH, "127.0.0.1").build();
            // The DoH resolver stands outside the censor's country: same zone, none of the censor's DNS rules.
            server = MessengerServer.start(MessengerServerOptions.builder().names(List.of(CHAT, MEDIA))
                    .doh(DOH, new DnsMessageProcessor(List.of(zone), new PolicyHolder(CompiledPolicy.empty())))
                    .build());
            proxy = CensorProxy.start(ProxyOptions.forward(server.address()).policy(policy).ioThreads(1).build());
            dns = DnsServer.start(DnsServerOptions.builder()
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .zone(zone)
                    .policy(policy)
                    .build());
        }

        /** Routes give only the port: the address comes from DNS (127.0.0.1, where the proxy listens). */
        MessengerClientOptions.Builder options(MessengerDns resolver) {
            return MessengerClientOptions.builder().trust(server.trust()).chatName(CHAT).mediaName(MEDIA)
                    .route(CHAT, proxy.localAddress()).route(MEDIA, proxy.localAddress())
                    .route(DOH, proxy.localAddress())
                    .chat(20, 64, Duration.ofSeconds(2))
                    .connectTimeout(Duration.ofSeconds(2))
                    .dns(resolver);
        }

        MessengerSnapshot runChat(MessengerDns resolver, long millis) throws InterruptedException {
            return run(options(resolver).build(), millis);
        }

        @Override
        public void close() {
            dns.close();
            proxy.close();
            server.close();
        }
    }
}
