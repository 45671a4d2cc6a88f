package dev.censorsim.messenger;

import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.units.Direction;
import dev.censorsim.proxy.FlowRecord;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The messenger end to end: real TLS through the real censor proxy, policies parsed from YAML, loopback only. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerThroughProxyTest {

    private static final String RESET_CHAT_SNI = """
            rules:
              - name: chat-reset
                match: { sni: [g.whatsapp.net] }
                action: { type: reset }
            """;

    @Test
    void chatShouldBeDeliveredInFullWithoutPolicy() throws Exception {
        try (MessengerRig rig = MessengerRig.start("")) {
            MessengerSnapshot s = run(rig.client().chat(40, 128, Duration.ofSeconds(2)), 1_500);

            assertThat(s.get(Metric.CHAT_SENT)).isGreaterThanOrEqualTo(50);
            assertThat(s.get(Metric.CHAT_FAILED) + s.get(Metric.CHAT_TIMED_OUT)).isZero();
            assertThat(s.get(Metric.CHAT_DELIVERED)).as("all but a message still in flight at the cut")
                    .isGreaterThanOrEqualTo(s.get(Metric.CHAT_SENT) - 1);
            assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isGreaterThanOrEqualTo(0.98);
            assertThat(s.get(Metric.CONNECT_OK)).isEqualTo(1);
            assertThat(s.chatLatency().getTotalCount()).isEqualTo((long) s.get(Metric.CHAT_DELIVERED));
            assertThat(s.get(Metric.CHAT_LATENCY_P99)).as("loopback acks well within a second").isLessThan(1_000);
            assertThat(s.metrics()).doesNotContainKey(Metric.MEDIA_THROUGHPUT.name());
        }
    }

    @Test
    void resetRuleOnChatSniShouldResetConnectsAndFailChat() throws Exception {
        try (MessengerRig rig = MessengerRig.start(RESET_CHAT_SNI)) {
            MessengerSnapshot s = run(rig.client().chat(20, 64, Duration.ofSeconds(2)), 1_500);

            assertThat(s.get(Metric.CONNECT_ATTEMPTS)).isGreaterThanOrEqualTo(5);
            assertThat(s.get(Metric.CONNECT_RESET_RATIO)).isGreaterThanOrEqualTo(0.95);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isZero();
            assertThat(s.get(Metric.CHAT_FAILED)).isPositive();
            assertThat(s.get(Metric.FIRST_FAILURE_SECONDS)).as("the first ClientHello is reset at once")
                    .isLessThan(0.5);
        }
    }

    @Test
    void blackholeShouldTimeOutConnectsAndMessages() throws Exception {
        try (MessengerRig rig = MessengerRig.start("""
                rules:
                  - name: chat-blackhole
                    match: { sni: [g.whatsapp.net] }
                    action: { type: blackhole }
                """)) {
            MessengerSnapshot s = run(rig.client().chat(20, 64, Duration.ofMillis(300))
                    .connectTimeout(Duration.ofMillis(700)), 1_600);

            assertThat(s.get(Metric.CONNECT_TIMEOUT)).isGreaterThanOrEqualTo(1);
            assertThat(s.get(Metric.CONNECT_OK)).isZero();
            assertThat(s.get(Metric.CHAT_TIMED_OUT)).as("messages wait for the hung handshake past their timeout")
                    .isPositive();
            assertThat(s.get(Metric.CHAT_DELIVERED)).isZero();
        }
    }

    @Test
    void cutOnMediaShouldMeasureAboutAQuarterOfTheOpenThroughput() throws Exception {
        String link = "link: { rate: 40mbit }\n";
        double open;
        double cut;
        // Paranoid leak detection records a stack trace per buffer, which on a loaded 2-core box costs the open run
        // a tenth of its rate; the other tests keep it on, this one measures with Netty's default level.
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        try {
            try (MessengerRig rig = MessengerRig.start(link)) {
                open = runWarm(rig.client().media(2_000_000, Direction.DOWN, 1), 2_000)
                        .get(Metric.MEDIA_THROUGHPUT);
            }
            try (MessengerRig rig = MessengerRig.start(link + """
                    rules:
                      - name: whatsapp-slow
                        match: { sni: [mmg.whatsapp.net] }
                        action: { type: throttle, cut: 0.75, direction: down, scope: flow }
                    """)) {
                cut = runWarm(rig.client().media(2_000_000, Direction.DOWN, 1), 3_500)
                        .get(Metric.MEDIA_THROUGHPUT);
            }
        } finally {
            ResourceLeakDetector.setLevel(level);
        }

        assertThat(cut).as("a quarter of the 40 Mbit/s link (open run %.1f Mbit/s)", open / 1e6)
                .isBetween(9e6, 11e6);
        assertThat(open).as("the open run is held by the link, not the cut").isBetween(20e6, 44e6);
        // Against the open run the cut is 20-30% whenever that run fills the link. On a box so loaded that the open
        // run is CPU-bound (measured 28-32 Mbit/s at load average 11 on 2 cores) the ratio is only bounded above by
        // the exact quarter-of-link check; the open figure then measures the box, not the censor.
        if (open >= 36e6) {
            assertThat(cut / open).as("a 75%% cut leaves a quarter (open %.1f Mbit/s, cut %.1f Mbit/s)",
                    open / 1e6, cut / 1e6).isBetween(0.20, 0.30);
        }
    }

    @Test
    void uploadShouldCompleteAndCountItsBytes() throws Exception {
        try (MessengerRig rig = MessengerRig.start("")) {
            MessengerSnapshot s = run(rig.client().media(300_000, Direction.UP, 2), 800);

            assertThat(s.get(Metric.MEDIA_COMPLETED)).isPositive();
            assertThat(s.get(Metric.MEDIA_FAILED)).isZero();
            assertThat(s.get(Metric.MEDIA_BYTES)).isGreaterThanOrEqualTo(s.get(Metric.MEDIA_COMPLETED) * 300_000);
            assertThat(s.get(Metric.MEDIA_THROUGHPUT)).isPositive();
        }
    }

    @Test
    void splitClientHelloShouldEvadeABoxThatDoesNotReassembleButNotTheDefaultBox() throws Exception {
        String perPacket = "dpi: { reassemble: false }\n" + RESET_CHAT_SNI;
        MessengerSnapshot unsplitPerPacket;
        MessengerSnapshot splitPerPacket;
        MessengerSnapshot splitReassembling;
        try (MessengerRig rig = MessengerRig.start(perPacket)) {
            unsplitPerPacket = run(rig.client().chat(20, 64, Duration.ofSeconds(2)), 800);
            splitPerPacket = run(rig.client().chat(20, 64, Duration.ofSeconds(2)).splitClientHello(3), 800);
        }
        try (MessengerRig rig = MessengerRig.start(RESET_CHAT_SNI)) {
            splitReassembling = run(rig.client().chat(20, 64, Duration.ofSeconds(2)).splitClientHello(3), 800);
        }

        assertThat(unsplitPerPacket.get(Metric.CONNECT_RESET_RATIO)).as("one segment: the SNI is seen")
                .isGreaterThanOrEqualTo(0.95);
        assertThat(splitPerPacket.get(Metric.CONNECT_OK)).as("3 segments: the first holds no SNI").isEqualTo(1);
        assertThat(splitPerPacket.get(Metric.CONNECT_RESET)).isZero();
        assertThat(splitPerPacket.get(Metric.CHAT_DELIVERED)).isPositive();
        assertThat(splitReassembling.get(Metric.CONNECT_RESET_RATIO)).as("reassembly reads the SNI anyway")
                .isGreaterThanOrEqualTo(0.95);
        assertThat(splitReassembling.get(Metric.CHAT_DELIVERED)).isZero();
    }

    @Test
    void noSniShouldEvadeAnSniRuleAndStillVerifyTheServer() throws Exception {
        try (MessengerRig rig = MessengerRig.start(RESET_CHAT_SNI)) {
            MessengerSnapshot s = run(rig.client().chat(20, 64, Duration.ofSeconds(2)).noSni(true), 1_000);

            assertThat(s.get(Metric.CONNECT_OK)).isEqualTo(1);
            assertThat(s.get(Metric.CONNECT_RESET)).isZero();
            assertThat(s.get(Metric.CHAT_DELIVERED)).isPositive();
            assertThat(rig.flows).as("the censor saw no name").allSatisfy(f -> assertThat(f.serverName()).isNull());
        }
    }

    @Test
    void retryWithAlternativesShouldReachAnUnblockedName() throws Exception {
        try (MessengerRig rig = MessengerRig.start(RESET_CHAT_SNI)) {
            MessengerSnapshot s = run(rig.client().chat(20, 64, Duration.ofSeconds(2))
                    .retry(3, Duration.ofMillis(20), Duration.ofMillis(100), 0.2)
                    .alternatives(List.of(MessengerRig.FRONT)), 1_000);

            assertThat(s.get(Metric.CONNECT_RESET)).as("the primary name is tried first").isEqualTo(1);
            assertThat(s.get(Metric.CONNECT_OK)).as("then the front, which the client keeps").isEqualTo(1);
            assertThat(s.get(Metric.CHAT_DELIVERED)).isPositive();
            Thread.sleep(200); // the proxy reports a flow when it ends, a moment after the client closed it
            assertThat(rig.flows).extracting(FlowRecord::serverName)
                    .containsExactlyInAnyOrder(MessengerRig.CHAT, MessengerRig.FRONT);
        }
    }

    @Test
    void retryWithoutAlternativesShouldBackOffAndCountEveryAttempt() throws Exception {
        try (MessengerRig rig = MessengerRig.start(RESET_CHAT_SNI);
             // One message every 2 s, so a single connect (4 attempts, 100 + 200 + 400 ms apart) fills the window.
             MessengerClient client = MessengerClient.start(rig.client().chat(0.5, 64, Duration.ofSeconds(5))
                     .retry(4, Duration.ofMillis(100), Duration.ofMillis(400), 0).build())) {
            Thread.sleep(600);
            MessengerSnapshot early = client.cut();
            Thread.sleep(1_300);
            MessengerSnapshot late = client.cut();

            // A slow box only delays attempts, so these bounds hold under load too.
            assertThat(early.get(Metric.CONNECT_RESET)).as("the 4th attempt waits until 700 ms at the earliest")
                    .isBetween(1.0, 3.0);
            assertThat(early.get(Metric.CHAT_FAILED)).as("the message waits while attempts remain").isZero();
            assertThat(early.get(Metric.CONNECT_RESET) + late.get(Metric.CONNECT_RESET)).as("4 attempts, then give up")
                    .isEqualTo(4);
            assertThat(late.get(Metric.CHAT_FAILED)).as("the connect gave up: its message is lost").isEqualTo(1);
        }
    }

    @Test
    void cutShouldStartANewIntervalAndSamplesShouldCoverEachSecond() throws Exception {
        try (MessengerRig rig = MessengerRig.start("");
             MessengerClient client = MessengerClient.start(rig.client().chat(50, 64, Duration.ofSeconds(2))
                     .media(200_000, Direction.DOWN, 1).build())) {
            Thread.sleep(1_000);
            MessengerSnapshot first = client.cut();
            Thread.sleep(1_200);
            MessengerSnapshot second = client.cut();

            assertThat(second.startSeconds()).isEqualTo(first.endSeconds());
            for (MessengerSnapshot s : List.of(first, second)) {
                double due = 50 * (s.endSeconds() - s.startSeconds());
                // Counted from the schedule, not from ticks, so a starved event loop does not shift messages.
                assertThat(s.get(Metric.CHAT_SENT)).as("only the messages due in the interval, ~%.0f", due)
                        .isBetween(due - 2, due + 2);
            }
            for (MessengerSnapshot s : List.of(first, second)) {
                assertThat(s.get(Metric.CONNECT_ATTEMPTS)).as("attempts are counted as they end")
                        .isEqualTo(s.get(Metric.CONNECT_OK) + s.get(Metric.CONNECT_RESET)
                                + s.get(Metric.CONNECT_TIMEOUT) + s.get(Metric.CONNECT_REFUSED)
                                + s.get(Metric.CONNECT_OTHER));
            }
            assertThat(second.get(Metric.CONNECT_OK)).as("media opens a connection per transfer").isPositive();
            assertThat(second.chatLatency().getTotalCount()).isEqualTo((long) second.get(Metric.CHAT_DELIVERED));

            List<TimeSample> samples = client.samples();
            assertThat(samples).hasSizeBetween(2, 3);
            assertThat(samples).extracting(TimeSample::seconds).as("one a second")
                    .allSatisfy(t -> assertThat(t - Math.rint(t)).isBetween(-0.2, 0.2));
            double sampled = samples.stream().mapToDouble(t -> t.get(Metric.CHAT_DELIVERED)).sum();
            assertThat(sampled).as("the series and the cuts count the same acks")
                    .isBetween(1.0, first.get(Metric.CHAT_DELIVERED) + second.get(Metric.CHAT_DELIVERED));
            assertThat(samples).anySatisfy(t -> assertThat(t.get(Metric.MEDIA_THROUGHPUT)).isPositive());
        }
    }

    @Test
    void churnShouldReconnectAndResendWithoutLosingMessages() throws Exception {
        try (MessengerRig rig = MessengerRig.start("")) {
            MessengerSnapshot s = run(rig.client().chat(40, 64, Duration.ofSeconds(3))
                    .churn(Duration.ofMillis(300)), 1_700);

            assertThat(s.get(Metric.CONNECT_OK)).as("a new connection every 300 ms").isGreaterThanOrEqualTo(3);
            assertThat(s.get(Metric.CHAT_FAILED)).as("a churn close is not a failure").isZero();
            assertThat(s.get(Metric.CHAT_TIMED_OUT)).isZero();
            assertThat(s.get(Metric.CHAT_DELIVERED)).isGreaterThanOrEqualTo(s.get(Metric.CHAT_SENT) - 3);
        }
    }

    @Test
    void keepaliveShouldNoticeAFrozenConnectionAndReconnect() throws Exception {
        try (MessengerRig rig = MessengerRig.start("""
                rules:
                  - name: chat-freeze
                    match: { sni: [g.whatsapp.net] }
                    action: { type: freeze, after: 3kb }
                """)) {
            MessengerSnapshot s = run(rig.client().chat(40, 64, Duration.ofSeconds(2))
                    .keepalive(Duration.ofMillis(200)), 2_500);

            assertThat(s.get(Metric.CONNECT_OK)).as("each frozen connection is given up and replaced")
                    .isGreaterThanOrEqualTo(2);
            assertThat(s.get(Metric.CHAT_FAILED)).as("what was in flight on a frozen connection is lost")
                    .isPositive();
            assertThat(s.get(Metric.CHAT_DELIVERED)).as("each new connection gets the same allowance").isPositive();
        }
    }

    @Test
    void closeShouldReturnPromptlyWhileHandshakesHang() throws Exception {
        try (MessengerRig rig = MessengerRig.start("""
                rules:
                  - name: all-blackhole
                    match: { protocol: [tls] }
                    action: { type: blackhole }
                """)) {
            MessengerClient client = MessengerClient.start(rig.client().chat(20, 64, Duration.ofSeconds(30))
                    .media(1_000_000, Direction.DOWN, 4).connectTimeout(Duration.ofSeconds(30)).build());
            Thread.sleep(300);

            long start = System.nanoTime();
            client.close();

            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(3));
            assertThat(client.cut().get(Metric.CONNECT_OK)).isZero();
        }
    }

    /** Like {@link #run} after a first interval that lets the JIT warm the TLS path, which a cold JVM slows. */
    private static MessengerSnapshot runWarm(MessengerClientOptions.Builder options, long millis) throws Exception {
        try (MessengerClient client = MessengerClient.start(options.build())) {
            Thread.sleep(800);
            client.cut();
            Thread.sleep(millis);
            return client.cut();
        }
    }

    private static MessengerSnapshot run(MessengerClientOptions.Builder options, long millis) throws Exception {
        try (MessengerClient client = MessengerClient.start(options.build())) {
            Thread.sleep(millis);
            return client.cut();
        }
    }
}
