package dev.censorsim.classify;

import dev.censorsim.classify.RealClientHellos.Sample;
import dev.censorsim.classify.TlsClientHelloParser.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static dev.censorsim.classify.ClientHelloBuilder.clientHello;
import static org.assertj.core.api.Assertions.assertThat;

class TlsClientHelloParserTest {

    private final TlsClientHelloParser parser = new TlsClientHelloParser();

    static List<Sample> samples() {
        return RealClientHellos.samples();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldReadSniAndAlpnFromJdkClientHello(Sample sample) {
        assertThat(parser.parse(sample.bytes(), 0, sample.bytes().length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo(sample.sni());
        assertThat(parser.alpnList()).isEqualTo(sample.alpn());
        assertThat(parser.hasEch()).isFalse();
        assertThat(parser.hasEsni()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldGiveSameAnswerForEveryTwoWaySplitOfTheStream(Sample sample) {
        byte[] b = sample.bytes();
        for (int cut = 1; cut < b.length; cut++) {
            parser.reset();
            assertThat(parser.offer(b, 0, cut)).as("first %d bytes", cut).isEqualTo(Status.NEED_MORE);
            assertThat(parser.offer(b, cut, b.length - cut)).as("cut at %d", cut).isEqualTo(Status.COMPLETE);
            assertThat(parser.sniAsString()).isEqualTo(sample.sni());
        }
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldParseStreamArrivingOneByteAtATime(Sample sample) {
        ByteBuf buf = Unpooled.wrappedBuffer(sample.bytes());
        Status status = Status.NEED_MORE;
        for (int i = 0; i < sample.bytes().length; i++) {
            status = parser.offer(buf, i, 1);
        }
        assertThat(status).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo(sample.sni());
        assertThat(parser.alpnList()).isEqualTo(sample.alpn());
    }

    @Test
    void shouldConcatenateHandshakeFragmentsAcrossManyRecords() {
        ClientHelloBuilder hello = clientHello().padding(40).sni("splitme.example").alpn("h2");
        byte[] handshake = hello.handshake();
        for (int fragment = 1; fragment < handshake.length; fragment += 3) {
            byte[] records = ClientHelloBuilder.records(handshake, 0x0301, fragment);
            assertThat(parser.parse(records, 0, records.length)).as("fragment size %d", fragment)
                    .isEqualTo(Status.COMPLETE);
            assertThat(parser.sniAsString()).isEqualTo("splitme.example");
            assertThat(parser.alpnList()).containsExactly("h2");
            assertThat(parser.recordCount()).isEqualTo((handshake.length + fragment - 1) / fragment);
        }
    }

    @Test
    void shouldParseRecordSplitInsideTheServerNameExtension() {
        ClientHelloBuilder hello = clientHello().sni("inside.split.example");
        byte[] handshake = hello.handshake();
        int nameAt = indexOf(handshake, "inside".getBytes(StandardCharsets.US_ASCII));
        byte[] records = hello.recordsSplitAt(nameAt - 4, nameAt - 1, nameAt + 3);
        assertThat(parser.parse(records, 0, records.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo("inside.split.example");
        assertThat(parser.recordCount()).isEqualTo(4);
    }

    @Test
    void shouldDetectEncryptedClientHelloAlongsideOuterSni() {
        byte[] b = clientHello().sni("cloudflare-ech.com").ech().alpn("h2", "http/1.1").record();
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.hasEch()).isTrue();
        assertThat(parser.hasEsni()).isFalse();
        assertThat(parser.sniAsString()).isEqualTo("cloudflare-ech.com");
    }

    @Test
    void shouldDetectDraftEsniWithoutSni() {
        byte[] b = clientHello().esni().record();
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.hasEsni()).isTrue();
        assertThat(parser.hasSni()).isFalse();
        assertThat(parser.sniAsString()).isNull();
    }

    @Test
    void shouldKeepSniCaseAndTrailingDotAsSent() {
        byte[] b = clientHello().sni("G.WhatsApp.NET.").record();
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).as("evasions are visible to the matcher, which normalises")
                .isEqualTo("G.WhatsApp.NET.");
        assertThat(new String(parser.sniBytes(), parser.sniOffset(), parser.sniLength(), StandardCharsets.US_ASCII))
                .isEqualTo("G.WhatsApp.NET.");
    }

    @Test
    void shouldAcceptTls12HelloWithoutExtensions() {
        byte[] b = clientHello().withoutExtensionBlock().record();
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.hasSni()).isFalse();
        assertThat(parser.alpnList()).isEmpty();
    }

    @Test
    void shouldAcceptEveryLegacyRecordVersionFromSsl3ToTls13() {
        for (int version = 0x0300; version <= 0x0304; version++) {
            byte[] b = clientHello().sni("v.example").recordVersion(version).record();
            assertThat(parser.parse(b, 0, b.length)).as("version %04x", version).isEqualTo(Status.COMPLETE);
        }
        byte[] b = clientHello().sni("v.example").recordVersion(0x0305).record();
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.NOT_TLS);
    }

    @Test
    void shouldRejectGarbageOnItsFirstByte() {
        assertThat(parser.parse(new byte[] {0x17}, 0, 1)).isEqualTo(Status.NOT_TLS);
        assertThat(parser.parse(new byte[] {(byte) 0x80}, 0, 1)).as("SSLv2 hello").isEqualTo(Status.NOT_TLS);
        assertThat(parser.parse(new byte[] {0x16, 0x04}, 0, 2)).isEqualTo(Status.NOT_TLS);
        assertThat(parser.parse(new byte[] {0x16, 0x03}, 0, 2)).isEqualTo(Status.NEED_MORE);
        assertThat(parser.parse(new byte[] {0x16, 3, 3, 0, 90, 2}, 0, 6)).as("ServerHello type byte")
                .isEqualTo(Status.NOT_TLS);
        assertThat(parser.parse(new byte[] {0x16, 3, 3, 0, 90, 1}, 0, 6)).isEqualTo(Status.NEED_MORE);
    }

    @Test
    void shouldRejectEmptyAndOversizedRecords() {
        assertThat(parser.parse(new byte[] {0x16, 3, 1, 0, 0}, 0, 5)).isEqualTo(Status.NOT_TLS);
        assertThat(parser.parse(new byte[] {0x16, 3, 1, 0x40, 0x01}, 0, 5)).as("2^14 + 1").isEqualTo(Status.NOT_TLS);
        assertThat(parser.parse(new byte[] {0x16, 3, 1, 0x40, 0x00}, 0, 5)).as("2^14").isEqualTo(Status.NEED_MORE);
    }

    @Test
    void shouldRejectHandshakeLongerThanTheLimit() {
        byte[] b = clientHello().sni("big.example").padding(16 * 1024).handshake();
        byte[] records = ClientHelloBuilder.records(b, 0x0301, 16 * 1024);
        assertThat(parser.parse(records, 0, records.length)).isEqualTo(Status.NOT_TLS);

        TlsClientHelloParser small = new TlsClientHelloParser(256);
        byte[] medium = clientHello().sni("medium.example").padding(300).record();
        assertThat(small.parse(medium, 0, medium.length)).isEqualTo(Status.NOT_TLS);
    }

    @Test
    void shouldAcceptHandshakeJustUnderTheLimitSpanningTwoRecords() {
        ClientHelloBuilder hello = clientHello().sni("edge.example");
        int base = hello.handshake().length + 4;
        byte[] handshake = hello.padding(TlsClientHelloParser.MAX_HANDSHAKE_BYTES - base).handshake();
        assertThat(handshake).hasSize(TlsClientHelloParser.MAX_HANDSHAKE_BYTES);
        byte[] records = ClientHelloBuilder.records(handshake, 0x0303, 10_000);
        assertThat(parser.parse(records, 0, records.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo("edge.example");
    }

    @Test
    void shouldRejectHandshakeMessagesOtherThanClientHello() {
        byte[] serverHello = clientHello().sni("x.example").handshake();
        serverHello[0] = 2;
        byte[] b = ClientHelloBuilder.record(serverHello);
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.NOT_TLS);
    }

    @Test
    void shouldRejectMalformedServerNames() {
        assertNotTls(clientHello().sniRaw(new byte[0]), "zero-length SNI");
        assertNotTls(clientHello().sni("a".repeat(256)), "256-byte SNI");
        assertNotTls(clientHello().sni("bad name.example"), "space in SNI");
        assertNotTls(clientHello().sni("nul\0.example"), "NUL in SNI");
        assertNotTls(clientHello().sni("caf\u00e9.example"), "non-ASCII SNI");
        assertNotTls(clientHello().sni("double..dot"), "empty label");
        assertNotTls(clientHello().sni(".leading.dot"), "leading dot");
        assertNotTls(clientHello().sni("."), "lone dot");
        assertNotTls(clientHello().sni("one.example").sni("two.example"), "two server_name extensions");
    }

    @Test
    void shouldRejectServerNameLengthsThatOverflowTheirContainers() {
        byte[] name = "overflow.example".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[5 + name.length];
        ClientHelloBuilder.put16(data, 0, 3 + name.length);
        ClientHelloBuilder.put16(data, 3, name.length + 10);
        System.arraycopy(name, 0, data, 5, name.length);
        assertNotTls(clientHello().extension(0, data), "host_name length beyond the list");

        byte[] listTooLong = data.clone();
        ClientHelloBuilder.put16(listTooLong, 0, 3 + name.length + 1);
        ClientHelloBuilder.put16(listTooLong, 3, name.length);
        assertNotTls(clientHello().extension(0, listTooLong), "list length beyond the extension");

        assertNotTls(clientHello().lyingExtension(0, 500, new byte[20]), "extension length beyond the hello");
        assertNotTls(clientHello().lyingExtension(0, 0xffff, new byte[0]), "huge extension length");
    }

    @Test
    void shouldSkipUnknownNameTypesButRejectTwoHostNames() {
        byte[] name = "typed.example".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[2 + 2 * (3 + name.length)];
        ClientHelloBuilder.put16(data, 0, 2 * (3 + name.length));
        data[2] = 7; // an unassigned name type, skipped by its length
        ClientHelloBuilder.put16(data, 3, name.length);
        System.arraycopy(name, 0, data, 5, name.length);
        int second = 5 + name.length;
        data[second] = 0;
        ClientHelloBuilder.put16(data, second + 1, name.length);
        System.arraycopy(name, 0, data, second + 3, name.length);
        byte[] b = clientHello().extension(0, data).record();
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo("typed.example");

        data[2] = 0;
        assertNotTls(clientHello().extension(0, data), "two host_name entries");
    }

    @Test
    void shouldRejectMalformedAlpn() {
        assertNotTls(clientHello().alpn(""), "empty protocol name");
        assertNotTls(clientHello().extension(TlsClientHelloParser.EXT_ALPN, new byte[] {0, 0}), "empty list");
        assertNotTls(clientHello().extension(TlsClientHelloParser.EXT_ALPN, new byte[] {0, 3, 5, 'h', '2'}),
                "name longer than list");
        assertNotTls(clientHello().alpn("h2").alpn("h3"), "two ALPN extensions");
    }

    @Test
    void shouldRejectMalformedFixedFields() {
        assertNotTls(clientHello().sessionIdLength(33), "session id over 32");
        byte[] hs = clientHello().sni("x.example").handshake();
        hs[4] = 2; // legacy_version major
        byte[] b = ClientHelloBuilder.record(hs);
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.NOT_TLS);
        byte[] emptyBody = ClientHelloBuilder.record(new byte[] {1, 0, 0, 0});
        assertThat(parser.parse(emptyBody, 0, emptyBody.length)).isEqualTo(Status.NOT_TLS);
    }

    @Test
    void shouldNeitherMoveIndexesNorDependOnThem() {
        byte[] hello = RealClientHellos.samples().get(0).bytes();
        ByteBuf buf = Unpooled.directBuffer(hello.length + 20);
        try {
            buf.writeZero(10).writeBytes(hello).writeZero(10);
            buf.readerIndex(3);
            assertThat(parser.parse(buf, 10, hello.length)).isEqualTo(Status.COMPLETE);
            assertThat(parser.sniAsString()).isEqualTo("g.whatsapp.net");
            assertThat(buf.readerIndex()).isEqualTo(3);
            assertThat(buf.writerIndex()).isEqualTo(hello.length + 20);
            assertThat(parser.parse(buf, buf.capacity() - 2, 5)).as("slice past capacity").isEqualTo(Status.NOT_TLS);
        } finally {
            buf.release();
        }
    }

    @Test
    void shouldIgnoreFurtherBytesOnceDecided() {
        byte[] b = clientHello().sni("first.example").record();
        byte[] twice = Arrays.copyOf(b, b.length * 2);
        System.arraycopy(b, 0, twice, b.length, b.length);
        assertThat(parser.parse(twice, 0, twice.length)).isEqualTo(Status.COMPLETE);
        assertThat(parser.offer(new byte[] {0x17, 0x17}, 0, 2)).isEqualTo(Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo("first.example");
    }

    @Test
    void shouldNotAllocateOnceWarm() {
        List<Sample> samples = RealClientHellos.samples();
        ByteBuf[] bufs = samples.stream().map(s -> Unpooled.wrappedBuffer(s.bytes())).toArray(ByteBuf[]::new);
        int sniBytes = 0;
        for (int i = 0; i < 20_000; i++) {
            ByteBuf b = bufs[i % bufs.length];
            parser.parse(b, 0, b.readableBytes());
            sniBytes += parser.sniLength();
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            ByteBuf b = bufs[i % bufs.length];
            parser.parse(b, 0, b.readableBytes());
            sniBytes += parser.sniLength();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(sniBytes).isPositive();
        assertThat(allocated).as("bytes allocated by 100k parses").isLessThan(4096);
    }

    private void assertNotTls(ClientHelloBuilder hello, String why) {
        byte[] b = hello.record();
        assertThat(parser.parse(b, 0, b.length)).as(why).isEqualTo(Status.NOT_TLS);
        assertThat(parser.sniAsString()).as(why).isNull();
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
