package dev.censorsim.evasion;

import dev.censorsim.dns.DnsMessageProcessor;
import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.dns.Zone;
import dev.censorsim.messenger.MessengerClient;
import dev.censorsim.messenger.MessengerClientOptions;
import dev.censorsim.messenger.MessengerDns;
import dev.censorsim.messenger.MessengerServer;
import dev.censorsim.messenger.MessengerServerOptions;
import dev.censorsim.messenger.MessengerSnapshot;
import dev.censorsim.metrics.Metric;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The evasions of DNS rules, {@code doh} and {@code hardcoded-ip}, run the way an app runs them: a real messenger
 * client, a real messenger server (TLS with a certificate for the name), the censor's resolver with the policy's DNS
 * rules and a zone that puts the name at 127.0.0.1, and the censor proxy with the policy's TCP rules in between.
 * "Passed" means a TLS handshake with the name completed and chat messages were acknowledged over it; "blocked" says
 * whether the lookup or the connection failed, and how.
 *
 * <p>{@code doh} is the messenger's DoH fallback: plain DNS first, then {@link #DOH_NAME} over HTTPS through the censor
 * when the plain lookup fails (the resolver applies no DNS rules, as one abroad would; its name can still meet an
 * SNI rule). {@code hardcoded-ip} dials the address with no lookup at all. Either way the ClientHello that follows
 * carries the name, so an SNI rule on it still decides.
 */
final class DnsEvasion {

    /** The DoH resolver's name: outside any sensible block list. */
    static final String DOH_NAME = "doh.evasion.test";
    private static final double MESSAGES_PER_SECOND = 5;
    private static final int MESSAGE_BYTES = 64;
    /**
     * The shortest window: DoH is a plain lookup, a lookup of the resolver, a TLS handshake and an HTTP exchange with
     * it, then the TLS handshake with the name, each slowed by a cold JVM on a busy box.
     */
    static final Duration MIN_WINDOW = Duration.ofSeconds(8);
    /** Each TLS handshake's budget (the resolver's, then the name's): a cold handshake on a loaded box takes seconds. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(4);

    private DnsEvasion() {
    }

    static EvasionResult run(Evasion evasion, CompiledPolicy policy, String name, Duration budget) throws IOException {
        Zone zone = Zone.builder().ttl(1).a(name, "127.0.0.1").a(DOH_NAME, "127.0.0.1").build();
        PolicyHolder holder = new PolicyHolder(policy);
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of(name, DOH_NAME))
                .doh(DOH_NAME, new DnsMessageProcessor(List.of(zone), new PolicyHolder(CompiledPolicy.empty())))
                .build());
             DnsServer dns = DnsServer.start(DnsServerOptions.builder()
                     .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                     .zone(zone).policy(holder).build());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address()).policy(holder).build())) {
            Duration connectTimeout = CONNECT_TIMEOUT;
            MessengerClientOptions.Builder options = MessengerClientOptions.builder()
                    .trust(server.trust())
                    .chatName(name).mediaName(name)
                    .chat(MESSAGES_PER_SECOND, MESSAGE_BYTES, connectTimeout)
                    .connectTimeout(connectTimeout)
                    .ioThreads(1)
                    .route(name, proxy.localAddress())
                    .route(DOH_NAME, proxy.localAddress());
            if (evasion == Evasion.DOH) {
                options.dns(new MessengerDns(dns.udpAddress(), List.of(), MessengerDns.DEFAULT_TIMEOUT, DOH_NAME));
            } else if (evasion != Evasion.HARDCODED_IP) {
                throw new IllegalArgumentException(evasion.wireName() + " is not a DNS evasion");
            }
            MessengerSnapshot seen;
            try (MessengerClient client = MessengerClient.start(options.build())) {
                // One interval for the whole budget: an attempt counts in the interval it began in.
                Thread.sleep(Math.max(budget.toMillis(), MIN_WINDOW.toMillis()));
                seen = client.cut();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return judge(evasion, name, seen);
        }
    }

    static EvasionResult judge(Evasion evasion, String name, MessengerSnapshot s) {
        String lookup = evasion == Evasion.HARDCODED_IP ? "no lookup"
                : String.format(Locale.ROOT, "plain DNS: %d ok, %d NXDOMAIN, %d failed otherwise; then DoH via %s",
                        (long) s.get(Metric.DNS_OK), (long) s.get(Metric.DNS_NXDOMAIN),
                        (long) (s.get(Metric.DNS_LOOKUPS) - s.get(Metric.DNS_OK) - s.get(Metric.DNS_NXDOMAIN)),
                        DOH_NAME);
        long ok = (long) s.get(Metric.CONNECT_OK);
        long delivered = (long) s.get(Metric.CHAT_DELIVERED);
        String connects = String.format(Locale.ROOT, "%d TLS handshakes of %d attempts to %s (%d reset, %d timed out)",
                ok, (long) s.get(Metric.CONNECT_ATTEMPTS),
                evasion == Evasion.DOH ? DOH_NAME + " and " + name : name, (long) s.get(Metric.CONNECT_RESET),
                (long) s.get(Metric.CONNECT_TIMEOUT));
        if (ok > 0 && delivered > 0) {
            return new EvasionResult(evasion, EvasionOutcome.PASSED, lookup + "; " + connects + "; " + delivered
                    + " of " + (long) s.get(Metric.CHAT_SENT) + " messages acknowledged over real TLS");
        }
        if (s.get(Metric.CONNECT_ATTEMPTS) == 0) {
            return new EvasionResult(evasion, EvasionOutcome.BLOCKED, lookup + "; the name never resolved ("
                    + (long) s.get(Metric.DNS_UNRESOLVED) + " lookups without an address), no connection made");
        }
        return new EvasionResult(evasion, EvasionOutcome.BLOCKED, lookup + "; " + connects + "; " + delivered
                + " messages acknowledged");
    }
}
