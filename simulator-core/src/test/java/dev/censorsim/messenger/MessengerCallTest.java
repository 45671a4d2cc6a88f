package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Calls end to end over real sockets on loopback: signalling over TLS through the censor proxy, STUN and RTP over UDP
 * through the censor's UDP relay, both sharing one policy, and the proxy telling the relay which names each client
 * used, so {@code domain} rules catch the call as they would in a scenario.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerCallTest {

    private static final String CALLS_DROPPED = """
            rules:
              - name: whatsapp-calls
                match: { domain: [whatsapp.net], protocol: [stun, rtp, rtcp] }
                action: { type: drop }
            """;

    @Test
    void callsShouldConnectAndSoundCleanWithoutPolicy() throws Exception {
        try (CallRig rig = CallRig.start("")) {
            MessengerSnapshot s = rig.run(calls(rig, Duration.ofSeconds(2)), 5_000);

            assertThat(s.get(Metric.CALL_SETUP_OK)).isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.CALL_SETUP_FAILED)).isZero();
            assertThat(s.get(Metric.CALL_FALLBACK)).isZero();
            assertThat(s.get(Metric.CALL_COMPLETED)).isGreaterThanOrEqualTo(1);
            assertThat(s.get(Metric.CALL_DROPPED)).isZero();
            assertThat(s.get(Metric.CALL_PACKETS_RECEIVED)).as("50 packets/s for most of 5 s")
                    .isGreaterThanOrEqualTo(150);
            assertThat(s.get(Metric.CALL_LOSS)).isLessThanOrEqualTo(0.01);
            assertThat(s.get(Metric.CALL_RTT_P50)).as("loopback round trip").isLessThan(50);
            assertThat(s.get(Metric.CALL_SETUP_TIME_P50)).isLessThan(500);
            assertThat(s.get(Metric.CALL_MOS)).as("no loss, no delay: the E-model's best band")
                    .isGreaterThanOrEqualTo(4.2);
        }
    }

    @Test
    void blockedCallsShouldFailSetupWhileChatIsDelivered() throws Exception {
        try (CallRig rig = CallRig.start(CALLS_DROPPED)) {
            MessengerSnapshot s = rig.run(calls(rig, Duration.ofSeconds(3))
                    .withLimits(Duration.ofSeconds(1), Duration.ofSeconds(1)), 4_500);

            assertThat(s.get(Metric.CALL_SETUP_OK)).isZero();
            assertThat(s.get(Metric.CALL_SETUP_FAILED)).as("a 1 s set-up timeout, 0.2 s apart")
                    .isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.CALL_PACKETS_RECEIVED)).isZero();
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).as("the censor drops the call, not the chat")
                    .isGreaterThanOrEqualTo(0.99);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isGreaterThanOrEqualTo(80);
        }
    }

    @Test
    void blockedCallsShouldFallBackToTheTlsRelay() throws Exception {
        try (CallRig rig = CallRig.start(CALLS_DROPPED)) {
            MessengerSnapshot s = rig.run(calls(rig, Duration.ofSeconds(2))
                    .withLimits(Duration.ofSeconds(1), Duration.ofSeconds(1)).withTcpFallback(true), 5_500);

            assertThat(s.get(Metric.CALL_SETUP_FAILED)).isZero();
            assertThat(s.get(Metric.CALL_SETUP_OK)).isGreaterThanOrEqualTo(1);
            assertThat(s.get(Metric.CALL_FALLBACK)).isEqualTo(s.get(Metric.CALL_SETUP_OK));
            assertThat(s.get(Metric.CALL_SETUP_TIME_P50)).as("the UDP set-up timeout comes first")
                    .isGreaterThanOrEqualTo(1_000);
            assertThat(s.get(Metric.CALL_PACKETS_RECEIVED)).isGreaterThanOrEqualTo(80);
            assertThat(s.get(Metric.CALL_MOS)).as("TCP on loopback loses nothing after the fallback")
                    .isGreaterThanOrEqualTo(4.0);
        }
    }

    @Test
    void dropAfterFiveSecondsShouldEndTheCallFiveSecondsAfterItsFirstDatagram() throws Exception {
        try (CallRig rig = CallRig.start("""
                rules:
                  - name: whatsapp-calls-cut
                    match: { domain: [whatsapp.net], protocol: [stun, rtp] }
                    action: { type: drop-after, after: 5s }
                """)) {
            MessengerSnapshot s = rig.run(calls(rig, Duration.ofSeconds(8))
                    .withLimits(Duration.ofSeconds(1), Duration.ofMillis(500)), 6_500);

            assertThat(s.get(Metric.CALL_SETUP_OK)).as("the next call starts 0.2 s after the drop is noticed")
                    .isBetween(1.0, 2.0);
            assertThat(s.get(Metric.CALL_DROPPED)).isEqualTo(1);
            assertThat(s.get(Metric.CALL_DROPPED_AFTER_P50)).isCloseTo(5.0, within(0.5));
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.99);
        }
    }

    @Test
    void upstreamLossShouldShowAsCallLossAndLowerTheMos() throws Exception {
        try (CallRig rig = CallRig.start("""
                rules:
                  - name: lossy-uplink
                    match: { protocol: [rtp] }
                    action: { type: loss, rate: 20%, direction: up, seed: 4 }
                """)) {
            MessengerSnapshot s = rig.run(calls(rig, Duration.ofSeconds(4)), 9_000);

            assertThat(s.get(Metric.CALL_PACKETS_RECEIVED) + s.get(Metric.CALL_PACKETS_SENT))
                    .isGreaterThan(600);
            assertThat(s.get(Metric.CALL_LOSS)).as("one leg at 20%: the echo loses what the uplink lost")
                    .isCloseTo(0.20, within(0.06));
            assertThat(s.get(Metric.CALL_MOS)).isBetween(1.5, 4.0);
            assertThat(s.get(Metric.CALL_SETUP_OK)).isGreaterThanOrEqualTo(2);
        }
    }

    private static MessengerCalls calls(CallRig rig, Duration length) {
        return MessengerCalls.to(rig.relay().localAddress(), CallRig.CHAT).withTiming(length, Duration.ofMillis(200));
    }
}
