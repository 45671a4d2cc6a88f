package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.PipelineTailWarnings;
import dev.censorsim.testing.QuicNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * QUIC first, TCP after, over real sockets: chat and media over real QUIC connections (Netty's quiche codec) through
 * the censor's UDP relay, and over TLS through its TCP proxy when the relay drops QUIC.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerQuicTest {

    /** The March 2022 rule: a QUIC v1 Initial of at least 1001 bytes silences the flow. */
    private static final String QUIC_2022 = """
            rules:
              - name: quic-2022
                match: { protocol: [quic], min-size: 1001 }
                action: { type: drop }
            """;

    /** From 2023: the SNI read from the decrypted Initial. */
    private static final String QUIC_SNI = """
            rules:
              - name: quic-sni
                match: { protocol: [quic], sni: [%s] }
                action: { type: drop }
            """;

    /**
     * The first TLS and QUIC handshakes in a fresh JVM load and compile their code, which took up to 20 s on a loaded
     * 2-core machine and ate a 3 s run's reconnects; a second of each, unmeasured, comes first.
     */
    @BeforeAll
    static void nativeQuicLoadsAndBothTransportsAreWarm() throws Exception {
        QuicNative.assumeLinuxX8664OrRequire();
        try (CallRig rig = CallRig.start("")) {
            untilDelivered(rig.client());
            untilDelivered(quicFirst(rig, Duration.ZERO));
        }
    }

    private PipelineTailWarnings tail;
    private long unexpectedBefore;

    @BeforeEach
    void countExceptionsReachingAPipelinesTail() {
        tail = PipelineTailWarnings.capture();
        unexpectedBefore = QuicSocketEndHandler.UNEXPECTED_ERRORS.sum();
    }

    /**
     * On epoll a QUIC socket closed from inside its own read loop fails its next recvmsg (ClosedChannelException);
     * before {@link QuicSocketEndHandler} ended them, this class printed 60-200 of Netty's tail warnings.
     */
    @AfterEach
    void noExceptionShouldHaveReachedAPipelinesTail() {
        try {
            assertThat(tail.exceptions()).as("exceptions no handler ended").isEmpty();
            assertThat(QuicSocketEndHandler.UNEXPECTED_ERRORS.sum()).isEqualTo(unexpectedBefore);
        } finally {
            tail.close();
        }
    }

    /**
     * Returns once ten messages are delivered (or after 20 s). {@link MessengerClient#cut()} ends an interval, so the
     * count is summed over the polls: a single 100 ms interval holds about two messages at 20/s, and comparing one
     * interval with ten waited out the whole 20 s on a warm JVM.
     */
    private static void untilDelivered(MessengerClientOptions.Builder options) throws InterruptedException {
        try (MessengerClient client = MessengerClient.start(options.build())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            double delivered = 0;
            while ((delivered += client.cut().get(Metric.CHAT_DELIVERED)) < 10 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
    }

    @Test
    void chatShouldTravelOverQuicWhenNothingBlocksIt() throws Exception {
        try (CallRig rig = CallRig.start("")) {
            MessengerSnapshot s = rig.run(quicFirst(rig, Duration.ofMinutes(5), Duration.ofSeconds(2)), 3_000);

            assertThat(s.get(Metric.QUIC_OK)).isEqualTo(s.get(Metric.QUIC_ATTEMPTS)).isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.QUIC_FALLBACK)).isZero();
            assertThat(s.get(Metric.QUIC_SKIPPED)).isZero();
            assertThat(s.get(Metric.CONNECT_OK)).as("no TCP connection at all").isEqualTo(s.get(Metric.QUIC_OK));
            assertThat(s.get(Metric.QUIC_BYTES)).as("chat frames both ways over QUIC").isGreaterThan(20 * 3 * 64);
            assertThat(s.get(Metric.QUIC_TCP_BYTES)).isZero();
            assertThat(s.get(Metric.QUIC_SHARE)).isEqualTo(1.0);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isGreaterThanOrEqualTo(40);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.99);
        }
    }

    @Test
    void mediaShouldTravelOverQuicWhenNothingBlocksIt() throws Exception {
        try (CallRig rig = CallRig.start("")) {
            MessengerClientOptions.Builder options = rig.client().chat(0, 0, Duration.ofSeconds(2))
                    .media(64 * 1024, Direction.DOWN, 1)
                    .quic(new MessengerQuic(rig.relay().localAddress(), Duration.ofSeconds(2), Duration.ofMinutes(5)));
            MessengerSnapshot s = rig.run(options, 3_000);

            assertThat(s.get(Metric.MEDIA_COMPLETED)).isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.MEDIA_FAILED)).isZero();
            assertThat(s.get(Metric.QUIC_OK)).as("a fresh QUIC connection per transfer")
                    .isGreaterThanOrEqualTo(s.get(Metric.MEDIA_COMPLETED));
            assertThat(s.get(Metric.QUIC_BYTES)).isGreaterThanOrEqualTo(s.get(Metric.MEDIA_COMPLETED) * 64 * 1024);
            assertThat(s.get(Metric.QUIC_TCP_BYTES)).isZero();
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
            assertThat(s.get(Metric.QUIC_BYTES)).isZero();
            assertThat(s.get(Metric.QUIC_TCP_BYTES)).isPositive();
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.99);
        }
    }

    @Test
    void aQuicSniRuleShouldSendTheClientToTcpAndChatShouldStillArrive() throws Exception {
        try (CallRig rig = CallRig.start(QUIC_SNI.formatted(CallRig.CHAT))) {
            MessengerSnapshot s = rig.run(quicFirst(rig, Duration.ofMinutes(5)), 3_000);

            assertThat(s.get(Metric.QUIC_OK)).as("the SNI inside the encrypted Initial was read").isZero();
            assertThat(s.get(Metric.QUIC_FALLBACK)).isEqualTo(1);
            assertThat(s.get(Metric.QUIC_TCP_BYTES)).isPositive();
            assertThat(s.get(Metric.CHAT_DELIVERED)).isGreaterThanOrEqualTo(40);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.99);
        }
    }

    @Test
    void aQuicSniRuleForAnotherNameShouldLeaveQuicAlone() throws Exception {
        try (CallRig rig = CallRig.start(QUIC_SNI.formatted("other.example"))) {
            MessengerSnapshot s = rig.run(quicFirst(rig, Duration.ofMinutes(5), Duration.ofSeconds(2)), 2_000);

            assertThat(s.get(Metric.QUIC_OK)).isEqualTo(s.get(Metric.QUIC_ATTEMPTS)).isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.QUIC_TCP_BYTES)).isZero();
        }
    }

    @Test
    void aQuicConnectionSilencedAfterItsHandshakeShouldStallAndTheChatShouldMoveToTcp() throws Exception {
        try (CallRig rig = CallRig.start("")) {
            MessengerClientOptions.Builder options = rig.client().chat(20, 64, Duration.ofSeconds(10))
                    .quic(new MessengerQuic(rig.relay().localAddress(), Duration.ofSeconds(2), Duration.ofMinutes(5)));
            try (MessengerClient client = MessengerClient.start(options.build())) {
                Thread.sleep(1_500);
                MessengerSnapshot open = client.cut();
                // The live flow is re-evaluated on its next datagram: from now on the relay drops it both ways.
                rig.policy().swap(PolicyLoader.parse(QUIC_2022, "quic-2022.yaml"));
                Thread.sleep(4_000);
                MessengerSnapshot blocked = client.cut();

                assertThat(open.get(Metric.QUIC_OK)).isEqualTo(1);
                assertThat(open.get(Metric.QUIC_SHARE)).isEqualTo(1.0);
                assertThat(blocked.get(Metric.QUIC_STALLED)).as("the silent path was noticed").isEqualTo(1);
                assertThat(blocked.get(Metric.QUIC_SKIPPED)).as("the reconnect went straight to TCP").isEqualTo(1);
                assertThat(blocked.get(Metric.QUIC_TCP_BYTES)).isPositive();
                assertThat(blocked.get(Metric.CHAT_DELIVERED)).as("about 2.5 s of the 4 s on TCP")
                        .isGreaterThanOrEqualTo(30);
                assertThat(blocked.get(Metric.CHAT_FAILED)).as("what was in flight on the silent path")
                        .isLessThanOrEqualTo(40);
            }
        }
    }

    @Test
    void aDownloadSilencedMidTransferShouldStallAndTheNextTransferShouldTakeTcp() throws Exception {
        try (CallRig rig = CallRig.start("")) {
            MessengerClientOptions.Builder options = rig.client().chat(0, 0, Duration.ofSeconds(2))
                    .media(64L << 20, Direction.DOWN, 1).mediaTimeout(Duration.ofSeconds(30))
                    .quic(new MessengerQuic(rig.relay().localAddress(), Duration.ofSeconds(2), Duration.ofMinutes(5)));
            try (MessengerClient client = MessengerClient.start(options.build())) {
                Thread.sleep(1_500);
                client.cut();
                rig.policy().swap(PolicyLoader.parse(QUIC_2022, "quic-2022.yaml"));
                Thread.sleep(4_000);
                MessengerSnapshot blocked = client.cut();

                assertThat(blocked.get(Metric.QUIC_STALLED)).as("noticed long before the 30 s media timeout")
                        .isEqualTo(1);
                assertThat(blocked.get(Metric.MEDIA_FAILED)).isEqualTo(1);
                assertThat(blocked.get(Metric.QUIC_SKIPPED)).as("the next transfer went straight to TCP")
                        .isGreaterThanOrEqualTo(1);
                assertThat(blocked.get(Metric.QUIC_TCP_BYTES)).isPositive();
            }
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

    /**
     * Chat at 20 messages/s reconnecting every 0.5 s, each connection QUIC first with a 300 ms timeout. The ack timeout
     * is long, so a loaded machine's slow handshakes delay messages rather than lose them.
     */
    private static MessengerClientOptions.Builder quicFirst(CallRig rig, Duration brokenFor) {
        return quicFirst(rig, brokenFor, Duration.ofMillis(300));
    }

    /** As above with another QUIC timeout: where QUIC must succeed, one a loaded machine's handshake always meets. */
    private static MessengerClientOptions.Builder quicFirst(CallRig rig, Duration brokenFor, Duration timeout) {
        return rig.client().chat(20, 64, Duration.ofSeconds(10)).churn(Duration.ofMillis(500))
                .quic(new MessengerQuic(rig.relay().localAddress(), timeout, brokenFor));
    }
}
