package dev.censorsim.classify;

import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class RtpRecognizerTest {

    private final RtpRecognizer recognizer = new RtpRecognizer();
    private final SplittableRandom random = new SplittableRandom(1);

    @Test
    void opusPacketShouldBeRtpWithItsHeaderFields() {
        byte[] packet = UdpPayloads.rtp(111, true, 4242, 960, 0x1234abcd, 80, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(packet), 0, packet.length)).isEqualTo(Protocol.RTP);
        assertThat(recognizer.payloadType()).isEqualTo(111);
        assertThat(recognizer.sequence()).isEqualTo(4242);
        assertThat(recognizer.ssrc()).isEqualTo(0x1234abcd);
    }

    @Test
    void senderReportShouldBeRtcpNotRtp() {
        byte[] report = UdpPayloads.rtcpSenderReport(0x55, 1L << 40, 9, 10, 11);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(report), 0, report.length)).isEqualTo(Protocol.RTCP);
        assertThat(recognizer.payloadType()).isEqualTo(200);
        assertThat(recognizer.ssrc()).isEqualTo(0x55);
    }

    @Test
    void rtcpLengthBeyondTheDatagramShouldBeUnknown() {
        byte[] report = UdpPayloads.rtcpSenderReport(0x55, 1, 9, 10, 11);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(report), 0, report.length - 4))
                .isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void unassignedPayloadTypeOrWrongVersionShouldBeUnknown() {
        byte[] unassigned = UdpPayloads.rtp(50, false, 1, 1, 1, 40, random);
        byte[] version1 = UdpPayloads.rtp(0, false, 1, 1, 1, 40, random);
        version1[0] = 0x40;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(unassigned), 0, unassigned.length))
                .isEqualTo(Protocol.UNKNOWN);
        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(version1), 0, version1.length))
                .isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void csrcListBeyondTheDatagramShouldBeUnknown() {
        byte[] packet = UdpPayloads.rtp(0, false, 1, 1, 1, 0, random);
        packet[0] = (byte) 0x8f;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(packet), 0, packet.length)).isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void trackerShouldConfirmAfterConsistentPacketsAndTolerateALostOne() {
        RtpTracker tracker = new RtpTracker();

        assertThat(tracker.offer(true, 7, 100)).isFalse();
        assertThat(tracker.offer(true, 7, 101)).isFalse();
        assertThat(tracker.offer(true, 7, 103)).as("one packet lost").isFalse();
        assertThat(tracker.offer(true, 7, 104)).isTrue();
    }

    @Test
    void trackerShouldConfirmAcrossSequenceWrapAround() {
        RtpTracker tracker = new RtpTracker();
        tracker.offer(false, 9, 65_534);
        tracker.offer(false, 9, 65_535);
        tracker.offer(false, 9, 0);

        assertThat(tracker.offer(false, 9, 1)).isTrue();
    }

    @Test
    void trackerShouldRejectChangingSsrcs() {
        RtpTracker tracker = new RtpTracker();
        for (int i = 0; i < 4; i++) {
            assertThat(tracker.offer(true, i, 10 + i)).isFalse();
        }

        assertThat(tracker.isRejected()).isTrue();
    }
}
