package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.Socks5Client;
import dev.censorsim.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Policy files, compiled by {@link PolicyLoader}, drive the proxy end to end: real actions on real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PolicyFileThroughProxyTest {

    @Test
    void socksTargetRuleShouldResetAndCountTheHit() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: target-reset
                    match: { target: [localhost] }
                    action: { type: reset }
                """, "target-reset.yaml");
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().policy(new PolicyHolder(policy))
                     .listener(records).build());
             Socket client = Socks5Client.open(proxy.localAddress())) {
            assertThat(Socks5Client.greet(client, 0)).isZero();
            assertThat(Socks5Client.connectDomain(client, "localhost", echo.address().getPort())).isZero();

            Throwable failure = catchThrowable(() -> client.getInputStream().read());

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord record = records.next(2_000);
            assertThat(record.toLogLine()).contains("target=localhost rule=target-reset action=reset")
                    .endsWith("end=reset");
            assertThat(policy.rules().get(0).counters().flows()).isEqualTo(1);
        }
    }

    @Test
    void portRuleFreezeShouldStopAfterSixteenKilobytes() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.source(100_000, 11))) {
            CompiledPolicy policy = PolicyLoader.parse("""
                    rules:
                      - name: freeze-16k
                        match: { port: [%d] }
                        action: { type: freeze, after: 16kb }
                    """.formatted(server.address().getPort()), "freeze.yaml");
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                    .policy(new PolicyHolder(policy)).build());
                 Socket client = RelayTest.connect(proxy)) {
                client.setSoTimeout(800);

                assertThat(Payload.readUntilSilent(client.getInputStream())).isEqualTo(16_000);
                assertThat(policy.rules().get(0).counters().bytesDown()).as("the censor counts what it received")
                        .isGreaterThanOrEqualTo(16_000);
            }
        }
    }

    @Test
    void swappedPolicyShouldApplyToTheNextFlow() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo())) {
            PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address()).policy(holder).build())) {
                try (Socket before = RelayTest.connect(proxy)) {
                    before.getOutputStream().write(7);
                    assertThat(before.getInputStream().read()).isEqualTo(7);
                }
                holder.swap(PolicyLoader.parse("""
                        rules:
                          - name: now-blocked
                            match: { port: [%d] }
                            action: { type: reset }
                        """.formatted(echo.address().getPort()), "swap.yaml"));
                // A port rule decides at connect time, so the RST may already beat connect() back to the caller.
                Throwable failure = catchThrowable(() -> {
                    try (Socket after = RelayTest.connect(proxy)) {
                        after.getOutputStream().write(7);
                        after.getInputStream().read();
                    }
                });
                assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            }
        }
    }
}
