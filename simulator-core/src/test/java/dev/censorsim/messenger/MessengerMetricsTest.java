package dev.censorsim.messenger;

import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MessengerMetricsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void ratiosShouldBeAbsentWhenTheirDenominatorIsZero() {
        MessengerMetrics metrics = new MessengerMetrics(0, SECOND, true);

        MessengerSnapshot s = metrics.cut(SECOND / 2);

        assertThat(s.get(Metric.CHAT_SENT)).as("message 0 is due at the start").isEqualTo(1);
        assertThat(s.metrics()).as("no message was acknowledged, failed or timed out yet").doesNotContainKeys(
                Metric.CHAT_DELIVERED_RATIO.name(),Metric.CONNECT_RESET_RATIO.name(), Metric.MEDIA_COMPLETED_RATIO.name(),
                Metric.MEDIA_THROUGHPUT.name(), Metric.CHAT_LATENCY_P50.name(), Metric.FIRST_FAILURE_SECONDS.name());
    }

    @Test
    void disabledWorkloadsShouldReportNothing() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        metrics.connectEnded(ConnectOutcome.OK, 1_000_000, 10, metrics.phase());

        MessengerSnapshot s = metrics.cut(SECOND);

        assertThat(s.metrics().keySet()).noneMatch(name -> name.startsWith("chat."));
        assertThat(s.get(Metric.CONNECT_LATENCY_P50)).isCloseTo(1.0, within(0.01));
    }

    @Test
    void cutShouldReportOnlyItsIntervalAndTheFirstFailureFromItsStart() {
        MessengerMetrics metrics = new MessengerMetrics(0, SECOND, true);
        metrics.chatDelivered(5_000_000);
        metrics.cut(2 * SECOND);
        metrics.chatDelivered(20_000_000);
        metrics.chatFailed(1, 3 * SECOND);
        metrics.connectEnded(ConnectOutcome.RESET, 1, 3 * SECOND, metrics.phase());
        metrics.connectEnded(ConnectOutcome.OK, 1, 3 * SECOND, metrics.phase());

        MessengerSnapshot s = metrics.cut(4 * SECOND);

        assertThat(s.startSeconds()).isEqualTo(2.0);
        assertThat(s.get(Metric.CHAT_SENT)).as("the messages due at 2 s and 3 s").isEqualTo(2);
        assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).isEqualTo(0.5);
        assertThat(s.get(Metric.CHAT_LATENCY_MAX)).isCloseTo(20.0, within(0.05));
        assertThat(s.chatLatency().getTotalCount()).isEqualTo(1);
        assertThat(s.get(Metric.CONNECT_RESET_RATIO)).isEqualTo(0.5);
        assertThat(s.get(Metric.FIRST_FAILURE_SECONDS)).as("from the interval's start, not the run's").isEqualTo(1.0);
    }

    @Test
    void deliveredRatioShouldCountMessagesDecidedInTheIntervalNotThoseSentInIt() {
        MessengerMetrics metrics = new MessengerMetrics(0, SECOND / 10, true);
        metrics.chatDelivered(1_000_000);
        metrics.cut(SECOND);                      // 10 sent, 1 acknowledged: the other 9 are still in flight
        for (int i = 0; i < 9; i++) {
            metrics.chatDelivered(1_000_000);     // ... and acknowledged after the cut
        }
        metrics.chatTimedOut(SECOND + 1);

        MessengerSnapshot s = metrics.cut(SECOND + 2);

        assertThat(s.get(Metric.CHAT_DELIVERED_RATIO)).as("9 of the 10 decided here were delivered, whenever sent")
                .isCloseTo(0.9, within(1e-9));
    }

    @Test
    void anAttemptThatStartedInThePreviousPhaseShouldNotCountInThisOne() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        long startedBefore = metrics.phase();
        metrics.cut(SECOND);
        metrics.connectEnded(ConnectOutcome.OK, 1, SECOND + 1, startedBefore);   // judged under the old policy
        metrics.connectEnded(ConnectOutcome.RESET, 1, SECOND + 2, metrics.phase());

        MessengerSnapshot s = metrics.cut(2 * SECOND);

        assertThat(s.get(Metric.CONNECT_ATTEMPTS)).isEqualTo(1);
        assertThat(s.get(Metric.CONNECT_OK)).isZero();
        assertThat(s.get(Metric.CONNECT_RESET_RATIO)).isEqualTo(1.0);
    }

    @Test
    void anAttemptMadeBetweenThePolicySwapAndTheCutShouldCountInNeitherPhaseUnlessItEndsAfterTheCut() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        metrics.connectEnded(ConnectOutcome.OK, 1, SECOND / 2, metrics.phase());       // the open phase's own
        long inFlightAtTheSwap = metrics.phase();
        metrics.policyChanging();
        long inTheGap = metrics.phase();
        long endsAfterTheCut = metrics.phase();
        metrics.connectEnded(ConnectOutcome.RESET, 1, SECOND - 2, inTheGap);           // the next policy's reset
        metrics.connectEnded(ConnectOutcome.RESET, 1, SECOND - 1, inFlightAtTheSwap);  // re-evaluated: both policies

        MessengerSnapshot open = metrics.cut(SECOND);
        metrics.connectEnded(ConnectOutcome.RESET, 1, SECOND + 1, endsAfterTheCut);
        metrics.connectEnded(ConnectOutcome.RESET, 1, SECOND + 2, inFlightAtTheSwap);
        MessengerSnapshot blocked = metrics.cut(2 * SECOND);

        assertThat(inTheGap).as("tagged with the next phase").isNotEqualTo(inFlightAtTheSwap);
        assertThat(open.get(Metric.CONNECT_ATTEMPTS)).isEqualTo(1);
        assertThat(open.get(Metric.CONNECT_OK_RATIO)).isEqualTo(1.0);
        assertThat(blocked.get(Metric.CONNECT_ATTEMPTS)).as("only the attempt begun under it and ended after the cut")
                .isEqualTo(1);
        assertThat(blocked.get(Metric.CONNECT_RESET_RATIO)).isEqualTo(1.0);
    }

    @Test
    void failuresAndLookupsInTheGapBetweenSwapAndCutShouldCountInNeitherPhase() {
        MessengerMetrics metrics = new MessengerMetrics(0, SECOND / 10, true, true);
        for (int i = 0; i < 9; i++) {
            metrics.chatDelivered(1_000_000);
        }
        metrics.dnsLookedUp(DnsLookupOutcome.OK, 1_000_000);
        metrics.policyChanging();
        metrics.chatFailed(1, SECOND - 3);                         // the swap's reset of a live chat connection
        metrics.mediaFailed(SECOND - 2);                            // ... and of a transfer under way
        metrics.dnsLookedUp(DnsLookupOutcome.NXDOMAIN, 1_000_000);  // answered by the next policy
        metrics.chatDelivered(1_000_000);                           // sent and passed under the open policy
        MessengerSnapshot open = metrics.cut(SECOND);
        metrics.chatFailed(2, SECOND + 1);
        MessengerSnapshot blocked = metrics.cut(2 * SECOND);

        assertThat(open.get(Metric.CHAT_DELIVERED_RATIO)).isEqualTo(1.0);
        assertThat(open.get(Metric.MEDIA_FAILED)).isZero();
        assertThat(open.get(Metric.DNS_OK_RATIO)).isEqualTo(1.0);
        assertThat(open.metrics()).as("nothing failed in the phase itself")
                .doesNotContainKey(Metric.FIRST_FAILURE_SECONDS.name());
        assertThat(blocked.get(Metric.CHAT_FAILED)).isEqualTo(2);
        assertThat(blocked.get(Metric.FIRST_FAILURE_SECONDS)).isCloseTo(0.0, within(1e-6));
    }

    @Test
    void aCutWithoutAnAnnouncedSwapShouldStillAdvanceThePhase() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        long before = metrics.phase();
        metrics.cut(SECOND);
        metrics.policyChanging();
        long announced = metrics.phase();
        metrics.policyChanging();                                                      // twice: one swap
        metrics.cut(2 * SECOND);

        assertThat(announced).isEqualTo(before + 2);
        assertThat(metrics.phase()).as("the cut closes the announced swap without advancing again")
                .isEqualTo(announced);
    }

    @Test
    void aTransferThatStartedInThePreviousPhaseShouldCountAsCompletedButNotTowardThroughput() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        long startedBefore = metrics.phase();
        metrics.cut(SECOND);
        metrics.mediaCompleted(1_000_000, SECOND / 10, startedBefore);   // mostly moved under the old policy
        metrics.mediaCompleted(1_000_000, SECOND, metrics.phase());      // 8 Mbit/s, all in this phase

        MessengerSnapshot s = metrics.cut(3 * SECOND);

        assertThat(s.get(Metric.MEDIA_COMPLETED)).isEqualTo(2);
        assertThat(s.get(Metric.MEDIA_THROUGHPUT)).isCloseTo(8e6, within(1.0));
    }

    @Test
    void mediaThroughputShouldBeCompletedBytesOverTransferTimeWhileSamplesCountAllBytes() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        metrics.mediaStarted();
        metrics.mediaStarted();
        metrics.mediaStarted();
        metrics.mediaBytes(3_000_000);
        metrics.mediaCompleted(1_000_000, SECOND, 0);      // 8 Mbit/s
        metrics.mediaCompleted(1_000_000, SECOND / 2, 0); // 16 Mbit/s: 2 MB in 1.5 s is 10.67 Mbit/s
        // the third transfer moved its 1 MB but did not finish: it counts as bytes, not as throughput

        TimeSample sample = metrics.sample(SECOND);
        MessengerSnapshot s = metrics.cut(SECOND);

        assertThat(s.get(Metric.MEDIA_THROUGHPUT)).as("bytes over time, not the mean of the two rates")
                .isCloseTo(16e6 / 1.5, within(1.0));
        assertThat(s.get(Metric.MEDIA_COMPLETED_RATIO)).as("the unfinished third is not decided yet").isEqualTo(1.0);
        assertThat(sample.get(Metric.MEDIA_THROUGHPUT)).as("bytes moved in the second, as bit/s").isEqualTo(24e6);
        assertThat(metrics.sample(2 * SECOND).get(Metric.MEDIA_THROUGHPUT)).as("the series has its own intervals")
                .isZero();
    }

    @Test
    void completedRatioShouldCountOnlyTransfersDecidedInThePhase() {
        MessengerMetrics metrics = new MessengerMetrics(0, 0, true);
        metrics.mediaStarted();
        metrics.mediaStarted();
        metrics.mediaStarted();
        metrics.mediaCompleted(1_000, SECOND, 0);
        metrics.mediaFailed(SECOND);

        MessengerSnapshot first = metrics.cut(SECOND);
        MessengerSnapshot idle = metrics.cut(2 * SECOND);

        assertThat(first.get(Metric.MEDIA_COMPLETED_RATIO)).as("one completed, one failed, one still running")
                .isEqualTo(0.5);
        assertThat(idle.get(Metric.MEDIA_COMPLETED_RATIO)).as("nothing decided: absent, not 0").isNaN();
    }
}
