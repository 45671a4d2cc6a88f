package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** QUIC first, TCP after, over real sockets: the Initial through the censor's UDP relay, chat through its proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerQuicTest {

    /** The March 2022 rule: a QUIC v1 Initial of at least 1001 bytes silences the flow. */
    private static final String QUIC_2022 = """
            rules:
              - name: quic-2022
                match: { protocol: [quic], min-size: 1001 }
                action: { type: drop }
            """;

    @Test
    void everyInitialShouldBeAnsweredWhenNothingBlocksIt() throws Exception {
        try (CallRig rig = CallRig.start("")) {
            MessengerSnapshot s = rig.run(quicFirst(rig, Duration.ofMinutes(5)), 3_000);

            assertThat(s.get(Metric.CONNECT_OK)).isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.QUIC_OK)).isEqualTo(s.get(Metric.QUIC_ATTEMPTS)).isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.QUIC_FALLBACK)).isZero();
            assertThat(s.get(Metric.QUIC_SKIPPED)).isZero();
        }
    }

    @Test
    void aDroppedInitialShouldFallBackToTcpOnceThenSkipQuicWhileItIsMarkedBroken() throws Exception {
        try (CallRig rig = CallRig.start(QUIC_2022)) {
            MessengerSnapshot s = rig.run(quicFirst(rig, Duration.ofMinutes(5)), 3_000);

            assertThat(s.get(Metric.QUIC_ATTEMPTS)).isEqualTo(1);
            assertThat(s.get(Metric.QUIC_FALLBACK)).isEqualTo(1);
            assertThat(s.get(Metric.QUIC_SKIPPED)).as("reconnects every 0.5 s go straight to TCP")
                    .isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.CONNECT_OK)).isEqualTo(s.get(Metric.CONNECT_ATTEMPTS));
            assertThat(s.get(Metric.CONNECT_LATENCY_P99)).as("the first connection waited out the QUIC timeout")
                    .isGreaterThanOrEqualTo(300);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.99);
        }
    }

    @Test
    void withoutABrokenMarkEveryConnectionShouldWaitOutTheTimeout() throws Exception {
        try (CallRig rig = CallRig.start(QUIC_2022)) {
            MessengerSnapshot s = rig.run(quicFirst(rig, Duration.ZERO), 3_000);

            assertThat(s.get(Metric.QUIC_FALLBACK)).isEqualTo(s.get(Metric.QUIC_ATTEMPTS)).isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.QUIC_SKIPPED)).isZero();
            assertThat(s.get(Metric.CONNECT_LATENCY_P50)).isGreaterThanOrEqualTo(300);
        }
    }

    /** Chat reconnecting every 0.5 s, each connection QUIC first with a 300 ms timeout. */
    private static MessengerClientOptions.Builder quicFirst(CallRig rig, Duration brokenFor) {
        return rig.client().churn(Duration.ofMillis(500))
                .quic(new MessengerQuic(rig.relay().localAddress(), Duration.ofMillis(300), brokenFor));
    }
}
