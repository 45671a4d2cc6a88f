package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class UdpRecognizersFuzzTest {

    private final QuicInitialRecognizer quic = new QuicInitialRecognizer();
    private final StunRecognizer stun = new StunRecognizer();
    private final DtlsRecognizer dtls = new DtlsRecognizer();
    private final DnsRecognizer dns = new DnsRecognizer();
    private final RtpRecognizer rtp = new RtpRecognizer();

    @Test
    void randomDatagramsShouldNeverThrowAndAlmostNeverMatchTheStrictRecognisers() {
        SplittableRandom random = new SplittableRandom(42);
        int strictMatches = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(0, 1500)];
            random.nextBytes(bytes);
            ByteBuf buffer = Unpooled.wrappedBuffer(bytes);
            int[] result = new int[1];
            assertThatCode(() -> {
                result[0] += stun.recognize(buffer, 0, bytes.length) ? 1 : 0;
                result[0] += dns.recognize(buffer, 0, bytes.length) ? 1 : 0;
                result[0] += dtls.recognize(buffer, 0, bytes.length) ? 1 : 0;
                quic.recognize(buffer, 0, bytes.length);
                rtp.recognize(buffer, 0, bytes.length);
            }).doesNotThrowAnyException();
            strictMatches += result[0];
        }
        assertThat(strictMatches).as("STUN, DNS and DTLS on random bytes").isLessThanOrEqualTo(2);
    }

    @Test
    void randomDatagramsShouldNotBeConfirmedAsRtpByTheTracker() {
        SplittableRandom random = new SplittableRandom(7);
        int confirmed = 0;
        for (int flow = 0; flow < 2_000; flow++) {
            RtpTracker tracker = new RtpTracker();
            for (int packet = 0; packet < 20; packet++) {
                byte[] bytes = new byte[random.nextInt(12, 300)];
                random.nextBytes(bytes);
                ByteBuf buffer = Unpooled.wrappedBuffer(bytes);
                if (rtp.recognize(buffer, 0, bytes.length) == Protocol.RTP
                        && tracker.offer(true, rtp.ssrc(), rtp.sequence())) {
                    confirmed++;
                    break;
                }
            }
        }
        assertThat(confirmed).isZero();
    }

    @Test
    void everyTruncationOfValidDatagramsShouldBeHandledWithoutThrowing() {
        SplittableRandom random = new SplittableRandom(3);
        byte[][] valid = {
            dev.censorsim.trace.UdpPayloads.quicLong(0, new byte[8], new byte[8], 1250, random),
            dev.censorsim.trace.UdpPayloads.stunBindingRequest(true, random),
            dev.censorsim.trace.UdpPayloads.dnsQuery(7, "web.whatsapp.com", 1),
            dev.censorsim.trace.UdpPayloads.rtcpSenderReport(1, 2, 3, 4, 5),
        };
        for (byte[] datagram : valid) {
            for (int length = 0; length <= datagram.length; length++) {
                ByteBuf buffer = Unpooled.wrappedBuffer(datagram, 0, length);
                int cut = length;
                assertThatCode(() -> {
                    quic.recognize(buffer, 0, cut);
                    stun.recognize(buffer, 0, cut);
                    dtls.recognize(buffer, 0, cut);
                    dns.recognize(buffer, 0, cut);
                    rtp.recognize(buffer, 0, cut);
                }).doesNotThrowAnyException();
            }
        }
    }
}
