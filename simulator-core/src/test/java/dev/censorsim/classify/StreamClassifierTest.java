package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.censorsim.classify.ClientHelloBuilder.clientHello;
import static org.assertj.core.api.Assertions.assertThat;

class StreamClassifierTest {

    private static final InspectionSettings REASSEMBLE = InspectionSettings.DEFAULT;
    private static final InspectionSettings FIRST_CHUNK_ONLY =
            new InspectionSettings(false, InspectionSettings.DEFAULT_MAX_BYTES);

    @Test
    void shouldClassifyJdkClientHelloAsTlsWithSniAndAlpn() {
        byte[] hello = RealClientHellos.jdk("g.whatsapp.net", List.of("h2", "http/1.1"));
        StreamClassifier classifier = new StreamClassifier(FIRST_CHUNK_ONLY);
        assertThat(offer(classifier, hello)).isTrue();
        assertThat(classifier.isDone()).isTrue();
        assertThat(classifier.result()).isEqualTo(new StreamClassification(
                Protocol.TLS, "g.whatsapp.net", null, List.of("h2", "http/1.1"), false, false));
    }

    @Test
    void shouldClassifyClientHelloWithoutSniAsTls() {
        StreamClassifier classifier = new StreamClassifier(REASSEMBLE);
        offer(classifier, RealClientHellos.jdk(null, List.of()));
        assertThat(classifier.result().protocol()).isEqualTo(Protocol.TLS);
        assertThat(classifier.result().sni()).as("connecting without SNI is a strategy, not an error").isNull();
    }

    @Test
    void shouldCarryEchAndEsniFlags() {
        StreamClassifier ech = new StreamClassifier(REASSEMBLE);
        offer(ech, clientHello().sni("cloudflare-ech.com").ech().record());
        assertThat(ech.result().ech()).isTrue();
        assertThat(ech.result().sni()).isEqualTo("cloudflare-ech.com");
        StreamClassifier esni = new StreamClassifier(REASSEMBLE);
        offer(esni, clientHello().esni().record());
        assertThat(esni.result().esni()).isTrue();
    }

    @Test
    void splitClientHelloShouldBeUnknownWithoutReassembly() {
        byte[] hello = RealClientHellos.jdk("blocked.example", List.of());
        StreamClassifier classifier = new StreamClassifier(FIRST_CHUNK_ONLY);
        assertThat(offer(classifier, hello, 0, 40)).as("decided on the first chunk").isTrue();
        assertThat(classifier.result()).isEqualTo(StreamClassification.UNKNOWN);
        assertThat(offer(classifier, hello, 40, hello.length - 40)).isTrue();
        assertThat(classifier.result()).as("later chunks are not inspected").isEqualTo(StreamClassification.UNKNOWN);
    }

    @Test
    void splitClientHelloShouldBeReadWithReassembly() {
        byte[] hello = RealClientHellos.jdk("blocked.example", List.of());
        StreamClassifier classifier = new StreamClassifier(REASSEMBLE);
        assertThat(offer(classifier, hello, 0, 1)).isFalse();
        assertThat(offer(classifier, hello, 1, 40)).isFalse();
        assertThat(classifier.result().protocol()).as("no decision yet").isEqualTo(Protocol.UNKNOWN);
        assertThat(offer(classifier, hello, 41, hello.length - 41)).isTrue();
        assertThat(classifier.result().sni()).isEqualTo("blocked.example");
    }

    @Test
    void postQuantumSizedHelloCrossingOneMssShouldNeedReassembly() {
        // Browsers since 2024 send an X25519MLKEM768 key share (1216 + 32 bytes): the hello no longer fits one
        // 1460-byte segment, so a box without reassembly misses it with no evasion at all.
        byte[] keyShare = new byte[2 + 4 + 1216 + 32 + 4 + 32];
        ClientHelloBuilder.put16(keyShare, 0, keyShare.length - 2);
        ClientHelloBuilder.put16(keyShare, 2, 0x11ec);
        ClientHelloBuilder.put16(keyShare, 4, 1216 + 32);
        ClientHelloBuilder.put16(keyShare, 6 + 1216 + 32, 0x001d);
        ClientHelloBuilder.put16(keyShare, 8 + 1216 + 32, 32);
        byte[] hello = clientHello().extension(0x0a0a, new byte[0]).sni("rr1---sn-q4fl6n6s.googlevideo.com")
                .extension(0x0033, keyShare).alpn("h2", "http/1.1").padding(200).extension(0x1a1a, new byte[1]).record();
        assertThat(hello.length).as("larger than one MSS").isGreaterThan(1460);

        StreamClassifier blind = new StreamClassifier(FIRST_CHUNK_ONLY);
        offer(blind, hello, 0, 1460);
        assertThat(blind.result()).isEqualTo(StreamClassification.UNKNOWN);

        StreamClassifier reassembling = new StreamClassifier(REASSEMBLE);
        offer(reassembling, hello, 0, 1460);
        offer(reassembling, hello, 1460, hello.length - 1460);
        assertThat(reassembling.result().sni()).isEqualTo("rr1---sn-q4fl6n6s.googlevideo.com");
        assertThat(reassembling.result().alpn()).containsExactly("h2", "http/1.1");
    }

    @Test
    void recordSplitHelloInOneChunkShouldBeReadEvenWithoutReassembly() {
        byte[] hello = clientHello().sni("records.example").recordsSplitAt(10, 60);
        StreamClassifier classifier = new StreamClassifier(FIRST_CHUNK_ONLY);
        offer(classifier, hello);
        assertThat(classifier.result().sni()).isEqualTo("records.example");
    }

    @Test
    void shouldGiveUpAfterMaxBytesOfRecordSplitHello() {
        byte[] handshake = clientHello().sni("far.example").handshake();
        byte[] oneBytePerRecord = ClientHelloBuilder.records(handshake, 0x0303, 1);
        StreamClassifier classifier = new StreamClassifier(new InspectionSettings(true, 128));
        assertThat(offer(classifier, oneBytePerRecord, 0, 100)).isFalse();
        assertThat(offer(classifier, oneBytePerRecord, 100, oneBytePerRecord.length - 100)).isTrue();
        assertThat(classifier.result()).isEqualTo(StreamClassification.UNKNOWN);
        assertThat(classifier.bytesInspected()).isEqualTo(128);

        StreamClassifier roomy = new StreamClassifier(new InspectionSettings(true, oneBytePerRecord.length));
        offer(roomy, oneBytePerRecord);
        assertThat(roomy.result().sni()).as("same stream within the limit").isEqualTo("far.example");
    }

    @Test
    void shouldRejectHelloAnnouncedLongerThanMaxBytesAsSoonAsItsHeaderArrives() {
        byte[] hello = clientHello().sni("long.example").padding(300).record();
        StreamClassifier classifier = new StreamClassifier(new InspectionSettings(true, 128));
        assertThat(offer(classifier, hello, 0, 9)).isTrue();
        assertThat(classifier.result()).isEqualTo(StreamClassification.UNKNOWN);
    }

    @Test
    void shouldClassifyHttpRequestByHost() {
        StreamClassifier classifier = new StreamClassifier(REASSEMBLE);
        byte[] head = "GET / HTTP/1.1\r\nHost: web.whatsapp.com:80\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(offer(classifier, head, 0, 20)).isFalse();
        assertThat(offer(classifier, head, 20, head.length - 20)).isTrue();
        assertThat(classifier.result())
                .isEqualTo(new StreamClassification(Protocol.HTTP, null, "web.whatsapp.com", List.of(), false, false));
        assertThat(classifier.result().serverName()).isEqualTo("web.whatsapp.com");
    }

    @Test
    void shouldDecideUnknownOnTheFirstByteOfOtherProtocols() {
        for (byte[] first : List.of(new byte[] {0x17, 3, 3}, new byte[] {0}, new byte[] {'g', 'e', 't'},
                new byte[] {(byte) 0x80, 0x46})) {
            StreamClassifier classifier = new StreamClassifier(REASSEMBLE);
            assertThat(offer(classifier, first, 0, 1)).isTrue();
            assertThat(classifier.result()).isEqualTo(StreamClassification.UNKNOWN);
        }
    }

    @Test
    void shouldDecideUnknownWhereAnUpperCaseStartStopsLookingLikeHttp() {
        StreamClassifier classifier = new StreamClassifier(REASSEMBLE);
        byte[] ssh = "SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(offer(classifier, ssh, 0, 3)).isFalse();
        assertThat(offer(classifier, ssh, 3, 1)).as("'-' cannot be in a method").isTrue();
        assertThat(classifier.result()).isEqualTo(StreamClassification.UNKNOWN);
    }

    @Test
    void emptyChunkShouldNotDecide() {
        StreamClassifier classifier = new StreamClassifier(FIRST_CHUNK_ONLY);
        assertThat(classifier.offer(Unpooled.EMPTY_BUFFER)).isFalse();
        assertThat(classifier.isDone()).isFalse();
    }

    @Test
    void finishShouldMakeIncompleteInputUnknownAndKeepDecisions() {
        byte[] hello = RealClientHellos.jdk("eof.example", List.of());
        StreamClassifier cut = new StreamClassifier(REASSEMBLE);
        offer(cut, hello, 0, hello.length - 1);
        assertThat(cut.finish()).isEqualTo(StreamClassification.UNKNOWN);
        assertThat(cut.isDone()).isTrue();

        StreamClassifier whole = new StreamClassifier(REASSEMBLE);
        offer(whole, hello);
        assertThat(whole.finish().sni()).isEqualTo("eof.example");
        whole.release();
        whole.release();
        assertThat(whole.result().sni()).as("the decision survives release").isEqualTo("eof.example");
    }

    @Test
    void shouldNotTouchChunkIndexesOrReferenceCount() {
        byte[] hello = RealClientHellos.jdk("idx.example", List.of());
        ByteBuf chunk = Unpooled.directBuffer(hello.length + 8).writeZero(8).writeBytes(hello);
        chunk.readerIndex(8);
        StreamClassifier classifier = new StreamClassifier(REASSEMBLE);
        assertThat(classifier.offer(chunk)).isTrue();
        assertThat(chunk.readerIndex()).isEqualTo(8);
        assertThat(chunk.writerIndex()).isEqualTo(hello.length + 8);
        assertThat(chunk.refCnt()).isEqualTo(1);
        assertThat(chunk.release()).isTrue();
        assertThat(classifier.result().sni()).isEqualTo("idx.example");
    }

    static boolean offer(StreamClassifier classifier, byte[] bytes) {
        return offer(classifier, bytes, 0, bytes.length);
    }

    static boolean offer(StreamClassifier classifier, byte[] bytes, int from, int length) {
        ByteBuf chunk = Unpooled.copiedBuffer(bytes, from, length);
        try {
            return classifier.offer(chunk);
        } finally {
            chunk.release();
        }
    }
}
