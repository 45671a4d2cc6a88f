package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** SOCKS5 domain targets (ATYP 3) go through the options' {@link NameResolver}, driven by a hand-written client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NameResolverTest {

    private static final int SOCKS_HOST_UNREACHABLE = 4;

    @Test
    void staticMapShouldSendSyntheticNamesToTheirLoopbackServer() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().listener(records)
                     .resolver(NameResolver.staticMap(Map.of("chat.messenger.test", echo.address())))
                     .build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            // The client's port is not the server's: the table's address decides where the flow goes.
            assertThat(Socks5Client.connectDomain(client, "Chat.Messenger.Test.", 443)).isZero();
            client.getOutputStream().write(42);

            assertThat(client.getInputStream().read()).isEqualTo(42);
            client.close();
            FlowRecord record = records.next(2_000);
            assertThat(record.target()).isEqualTo("Chat.Messenger.Test.");
            assertThat(record.server()).isEqualTo(echo.address());
        }
    }

    @Test
    void unknownNameShouldGetHostUnreachableAndALogLine() throws Exception {
        RecordingListener records = new RecordingListener();
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().listener(records)
                .resolver(NameResolver.staticMap(Map.of())).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();

            int reply = Socks5Client.connectDomain(client, "gone.messenger.test", 443);

            assertThat(reply).isEqualTo(SOCKS_HOST_UNREACHABLE);
            assertThat(client.getInputStream().read()).as("then the proxy closes").isEqualTo(-1);
            FlowRecord record = records.next(2_000);
            assertThat(record.end()).isEqualTo(FlowEnd.ERROR);
            assertThat(record.detail()).isEqualTo("cannot resolve gone.messenger.test: gone.messenger.test: not in the "
                    + "static table");
        }
    }

    @Test
    void resolverThatNeverAnswersShouldGetHostUnreachableAfterTheConnectTimeout() throws Exception {
        NameResolver silent = (host, port) -> new CompletableFuture<>();
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().resolver(silent)
                .connectTimeout(Duration.ofMillis(300)).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            long start = System.nanoTime();

            int reply = Socks5Client.connectDomain(client, "slow.messenger.test", 443);

            assertThat(reply).isEqualTo(SOCKS_HOST_UNREACHABLE);
            assertThat(System.nanoTime() - start).isBetween(Duration.ofMillis(250).toNanos(),
                    Duration.ofSeconds(3).toNanos());
        }
    }

    @Test
    void resolverThatThrowsOrAnswersNullShouldGetHostUnreachable() throws Exception {
        NameResolver throwing = (host, port) -> {
            throw new IllegalStateException("broken resolver");
        };
        NameResolver empty = (host, port) -> CompletableFuture.completedFuture(null);
        for (NameResolver resolver : List.of(throwing, empty)) {
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().resolver(resolver).build());
                 Socket client = Socks5Client.open(proxy.localAddress())) {
                assertThat(Socks5Client.greet(client, 0)).isZero();

                assertThat(Socks5Client.connectDomain(client, "x.messenger.test", 443))
                        .isEqualTo(SOCKS_HOST_UNREACHABLE);
            }
        }
    }

    @Test
    void resolverShouldBeAskedOnlyForDomainTargetsAndFromTheEventLoop() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().resolver((host, port) -> {
                 asked.add(host + ":" + port);
                 threads.add(Thread.currentThread().getName());
                 return CompletableFuture.supplyAsync(() -> echo.address());
             }).build())) {
            try (Socket byIp = Socks5Client.connect(proxy.localAddress(), echo.address());
                 Socket byName = Socks5Client.open(proxy.localAddress())) {
                assertThat(Socks5Client.greet(byName, 0)).isZero();
                assertThat(Socks5Client.connectDomain(byName, "async.messenger.test", 8443)).isZero();
                byName.getOutputStream().write(1);
                assertThat(byName.getInputStream().read()).isEqualTo(1);
            }

            assertThat(asked).as("IP literals are not resolved").containsExactly("async.messenger.test:8443");
            assertThat(threads).as("resolve() itself is called on the event loop and must return at once")
                    .allMatch(name -> name.startsWith("censorsim-proxy"));
        }
    }

    @Test
    void targetRuleShouldMatchTheNameWhateverItResolvedTo() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: synthetic-reset
                    match: { target: [blocked.messenger.test] }
                    action: { type: reset }
                """, "synthetic.yaml");
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().policy(new PolicyHolder(policy))
                     .listener(records)
                     .resolver(NameResolver.staticMap(Map.of("blocked.messenger.test", echo.address())))
                     .build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            assertThat(Socks5Client.connectDomain(client, "blocked.messenger.test", 443)).isZero();

            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            assertThat(records.next(2_000).toLogLine()).contains("target=blocked.messenger.test rule=synthetic-reset");
        }
    }

    @Test
    void staticMapShouldFallBackAndKeepTheClientPortForPortZeroEntries() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        NameResolver table = NameResolver.staticMap(Map.of("any-port.test", new InetSocketAddress(loopback, 0)));
        NameResolver chained = table.orElse((host, port) ->
                CompletableFuture.failedFuture(new UnknownHostException("fallback saw " + host)));

        InetSocketAddress hit = chained.resolve("any-port.test", 5222).toCompletableFuture().get(1, TimeUnit.SECONDS);
        Throwable miss = catchThrowable(() -> chained.resolve("other.test", 1).toCompletableFuture()
                .get(1, TimeUnit.SECONDS));

        assertThat(hit).isEqualTo(new InetSocketAddress(loopback, 5222));
        assertThat(miss).hasRootCauseInstanceOf(UnknownHostException.class)
                .hasRootCauseMessage("fallback saw other.test");
    }
}
