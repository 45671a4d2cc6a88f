package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.ProxyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The ways the client reaches a name: through SOCKS5 with remote or local resolution, and straight to a route. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MessengerDialTest {

    @Test
    void socksShouldAskTheProxyForTheNameAndCarryTheChat() throws Exception {
        ConcurrentLinkedQueue<FlowRecord> flows = new ConcurrentLinkedQueue<>();
        // A rule that looks at SNI makes the proxy classify, so its flow record shows the name it saw.
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: elsewhere
                    match: { sni: [blocked.example] }
                    action: { type: reset }
                """, "sni-elsewhere.yaml");
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("localhost")).build());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().policy(new PolicyHolder(policy))
                     .listener(flows::add).ioThreads(1).build())) {
            MessengerSnapshot s = run(MessengerClientOptions.builder().trust(server.trust())
                    .socks5(proxy.localAddress())
                    .route("localhost", server.address()) // only its port is used: the proxy resolves the name
                    .chatName("localhost").chat(20, 64, Duration.ofSeconds(2)), 800);
            Thread.sleep(200);

            assertThat(s.get(Metric.CONNECT_OK)).isEqualTo(1);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isPositive();
            assertThat(flows).singleElement().satisfies(f -> {
                assertThat(f.target()).as("sent as a SOCKS domain").isEqualTo("localhost");
                assertThat(f.serverName()).isEqualTo("localhost");
            });
        }
    }

    @Test
    void socksWithLocalResolutionShouldStillBeResetBySni() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: chat-reset
                    match: { sni: [g.whatsapp.net] }
                    action: { type: reset }
                """, "socks-reset.yaml");
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("g.whatsapp.net")).build());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().policy(new PolicyHolder(policy))
                     .ioThreads(1).build())) {
            MessengerSnapshot s = run(MessengerClientOptions.builder().trust(server.trust())
                    .socks5(proxy.localAddress()).socksRemoteDns(false)
                    .route("g.whatsapp.net", server.address())
                    .chatName("g.whatsapp.net").chat(20, 64, Duration.ofSeconds(2)), 800);

            assertThat(s.get(Metric.CONNECT_RESET_RATIO)).isGreaterThanOrEqualTo(0.95);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isZero();
        }
    }

    @Test
    void closedPortShouldCountAsRefused() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = (InetSocketAddress) socket.getLocalSocketAddress();
        }
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("g.whatsapp.net")).build())) {
            MessengerSnapshot s = run(MessengerClientOptions.builder().trust(server.trust())
                    .route("g.whatsapp.net", closed).chat(10, 64, Duration.ofSeconds(1)), 500);

            assertThat(s.get(Metric.CONNECT_REFUSED)).isPositive();
            assertThat(s.get(Metric.CONNECT_ATTEMPTS)).isEqualTo(s.get(Metric.CONNECT_REFUSED));
        }
    }

    @Test
    void serverOfAnotherCaShouldFailAsOtherNotOk() throws Exception {
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("g.whatsapp.net")).build());
             MessengerServer impostor = MessengerServer.start(MessengerServerOptions.builder()
                     .names(List.of("g.whatsapp.net")).build())) {
            MessengerSnapshot s = run(MessengerClientOptions.builder().trust(server.trust())
                    .route("g.whatsapp.net", impostor.address()).chat(10, 64, Duration.ofSeconds(1)), 600);

            assertThat(s.get(Metric.CONNECT_OK)).as("the certificate does not chain to the trusted CA").isZero();
            assertThat(s.get(Metric.CONNECT_OTHER)).isPositive();
        }
    }

    /**
     * Runs until the first connection attempt ended (a cold JVM on a loaded box may need seconds for its first
     * handshake), then {@code millis} more, and returns the whole run as one interval.
     */
    private static MessengerSnapshot run(MessengerClientOptions.Builder options, long millis) throws Exception {
        try (MessengerClient client = MessengerClient.start(options.build())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (attemptsSoFar(client) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(millis);
            return client.cut();
        }
    }

    private static double attemptsSoFar(MessengerClient client) {
        double ended = 0;
        for (TimeSample sample : client.samples()) {
            for (Metric outcome : List.of(Metric.CONNECT_OK, Metric.CONNECT_RESET, Metric.CONNECT_TIMEOUT,
                    Metric.CONNECT_REFUSED, Metric.CONNECT_OTHER)) {
                ended += sample.get(outcome);
            }
        }
        return ended;
    }
}
