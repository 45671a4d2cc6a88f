package dev.censorsim.capture;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.QuicCryptoStream;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.trace.FrameBuilder;
import dev.censorsim.trace.TlsMessages;
import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The packet face on QUIC ClientHellos spread over several client Initials. */
class PacketClassifierQuicTest {

    private static final byte[] SERVER = {(byte) 203, 0, 113, 9};
    private static final long SECOND = 1_000_000_000L;
    private static final String NAME = "rr4---sn-4g5e6nzz.googlevideo.com";

    private final List<FlowSummary> summaries = new ArrayList<>();
    private final PacketClassifier classifier = new PacketClassifier(1 << 14, 60 * SECOND, 64,
            InspectionSettings.DEFAULT, CompiledPolicy.empty(), summaries::add);
    private long time = 1_000 * SECOND;

    private static byte[] client(int flow) {
        return new byte[] {10, 1, (byte) (flow >>> 8), (byte) flow};
    }

    private static List<byte[]> initials(int flow, boolean postQuantum) {
        SplittableRandom random = new SplittableRandom(flow);
        byte[] record = TlsMessages.clientHello(NAME, List.of("h3"), false, postQuantum, random);
        byte[] dcid = new byte[8];
        random.nextBytes(dcid);
        return UdpPayloads.quicClientInitials(dcid, new byte[0], Arrays.copyOfRange(record, 5, record.length), 1250,
                random);
    }

    private void fromClient(int flow, byte[] payload) {
        feed(FrameBuilder.udp(client(flow), 50_000, SERVER, 443, payload));
    }

    private void fromServer(int flow, byte[] payload) {
        feed(FrameBuilder.udp(SERVER, 443, client(flow), 50_000, payload));
    }

    private void feed(byte[] frame) {
        classifier.onPacket(Unpooled.wrappedBuffer(frame), 0, frame.length, frame.length, LinkType.ETHERNET,
                time += 1_000_000);
    }

    private byte[] shortPacket(int length) {
        return UdpPayloads.quicShort(new byte[8], length, new SplittableRandom(length));
    }

    @Test
    void helloOverTwoInitialsShouldYieldItsSniInEitherOrder() {
        List<byte[]> inOrder = initials(1, true);
        List<byte[]> reversed = initials(2, true);
        assertThat(inOrder).hasSize(2);
        fromClient(1, inOrder.get(0));
        fromClient(1, inOrder.get(1));
        fromClient(2, reversed.get(1));
        fromServer(2, shortPacket(1200));
        fromClient(2, reversed.get(0));
        classifier.finish();

        assertThat(summaries).hasSize(2).allSatisfy(flow -> {
            assertThat(flow.protocol()).isEqualTo(Protocol.QUIC);
            assertThat(flow.sni()).isEqualTo(NAME);
        });
        assertThat(classifier.quicHellosOverSeveralInitials()).isEqualTo(2);
    }

    @Test
    void helloInOneInitialShouldNeedNoStream() {
        List<byte[]> one = initials(3, false);
        assertThat(one).hasSize(1);
        fromClient(3, one.get(0));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> assertThat(flow.sni()).isEqualTo(NAME));
        assertThat(classifier.quicHellosOverSeveralInitials()).isZero();
    }

    @Test
    void helloWhoseHeadNeverComesShouldBeQuicWithoutSni() {
        List<byte[]> initials = initials(4, true);
        fromClient(4, initials.get(1));
        for (int i = 0; i < PacketClassifier.MAX_UDP_DATAGRAMS; i++) {
            fromServer(4, shortPacket(1200));
        }
        fromClient(4, initials.get(0));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.protocol()).isEqualTo(Protocol.QUIC);
            assertThat(flow.sni()).as("the head came after the datagram budget").isNull();
        });
    }

    @Test
    void tooManyInitialsShouldGiveUpWithoutSni() {
        byte[] hello = Arrays.copyOfRange(TlsMessages.clientHello(NAME, List.of("h3"), false, true,
                new SplittableRandom(5)), 5, 1400);
        byte[] dcid = new byte[8];
        for (int i = 0; i < QuicCryptoStream.MAX_INITIALS; i++) {
            fromClient(5, UdpPayloads.quicClientInitialFrames(dcid, new byte[0],
                    UdpPayloads.cryptoFrame(hello, 200 + i * 100, 100), i, 1250));
        }
        fromClient(5, UdpPayloads.quicClientInitialFrames(dcid, new byte[0], UdpPayloads.cryptoFrame(hello, 0, 200),
                9, 1250));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.protocol()).isEqualTo(Protocol.QUIC);
            assertThat(flow.sni()).isNull();
            assertThat(flow.packets()).isEqualTo(QuicCryptoStream.MAX_INITIALS + 1);
        });
    }

    @Test
    void streamsShouldBeReturnedWhenFlowsDecideOrEnd() {
        int flows = PacketClassifier.DEFAULT_MAX_QUIC_HANDSHAKES * 3;
        for (int flow = 0; flow < flows; flow++) {
            List<byte[]> initials = initials(flow, true);
            if (flow % 3 == 0) {
                // Never completes: the stream goes back when the datagram budget runs out.
                fromClient(flow, initials.get(1));
                for (int i = 0; i < PacketClassifier.MAX_UDP_DATAGRAMS; i++) {
                    fromServer(flow, shortPacket(100));
                }
            } else {
                fromClient(flow, initials.get(1));
                fromClient(flow, initials.get(0));
            }
        }
        classifier.finish();

        assertThat(classifier.quicStreamShortfalls()).as("streams leaked").isZero();
        assertThat(summaries).hasSize(flows);
        assertThat(summaries.stream().filter(f -> NAME.equals(f.sni())).count()).isEqualTo(flows - flows / 3);
    }

    @Test
    void flowsHoldingEveryStreamShouldLeaveNewOnesToTheirFirstInitialAndCountThem() {
        int flows = PacketClassifier.DEFAULT_MAX_QUIC_HANDSHAKES + 5;
        for (int flow = 0; flow < flows; flow++) {
            fromClient(flow, initials(flow, true).get(0));
        }
        classifier.finish();

        assertThat(classifier.quicStreamShortfalls()).isEqualTo(5);
        assertThat(summaries).hasSize(flows).allSatisfy(flow -> {
            assertThat(flow.protocol()).isEqualTo(Protocol.QUIC);
            assertThat(flow.sni()).isNull();
        });
    }

    @Test
    void garbageAfterAPendingHelloShouldNeverThrow() {
        SplittableRandom random = new SplittableRandom(8);
        for (int flow = 0; flow < 200; flow++) {
            fromClient(flow, initials(flow, true).get(0));
            for (int i = 0; i < 6; i++) {
                byte[] garbage = UdpPayloads.quicLong(0, new byte[8], new byte[0], random.nextInt(1200, 1300), random);
                if (random.nextBoolean()) {
                    garbage[random.nextInt(garbage.length)] ^= (byte) (1 << random.nextInt(8));
                }
                fromClient(flow, garbage);
            }
        }
        classifier.finish();

        assertThat(summaries).hasSize(200).allSatisfy(flow -> assertThat(flow.protocol()).isEqualTo(Protocol.QUIC));
    }
}
