package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static dev.censorsim.classify.ClientHelloBuilder.clientHello;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated hostile input: every truncation of every real ClientHello, seeded random bytes, seeded mutations of real
 * hellos, and hand-picked length-field abuse. The contract under test: no input throws, and anything not unknown is
 * a well-formed answer.
 */
class NastyInputCorpusTest {

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?");
    private static final List<InspectionSettings> SETTINGS = List.of(InspectionSettings.DEFAULT,
            new InspectionSettings(false, InspectionSettings.DEFAULT_MAX_BYTES), new InspectionSettings(true, 64));

    @Test
    void everyTruncatedRealHelloShouldNeedMoreAndFinishUnknown() {
        TlsClientHelloParser parser = new TlsClientHelloParser();
        int prefixes = 0;
        for (byte[] hello : realAndBuiltHellos()) {
            for (int length = 0; length < hello.length; length++) {
                assertThat(parser.parse(hello, 0, length)).as("prefix %d of %d", length, hello.length)
                        .isEqualTo(TlsClientHelloParser.Status.NEED_MORE);
                StreamClassifier classifier = new StreamClassifier(InspectionSettings.DEFAULT);
                StreamClassifierTest.offer(classifier, hello, 0, length);
                assertThat(classifier.isDone()).isFalse();
                assertThat(classifier.finish()).isEqualTo(StreamClassification.UNKNOWN);
                prefixes++;
            }
            assertThat(parser.parse(hello, 0, hello.length)).isEqualTo(TlsClientHelloParser.Status.COMPLETE);
        }
        assertThat(prefixes).as("corpus size").isGreaterThan(3000);
    }

    @Test
    void seededRandomBytesShouldNeverThrowNorYieldMalformedNames() {
        Random random = new Random(20261123L);
        byte[][] starts = {{}, {0x16, 3, 1}, {0x16, 3, 3, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 3, 3},
                "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII),
                "GET / HTTP/1.1\r\nHost: ".getBytes(StandardCharsets.US_ASCII)};
        for (int i = 0; i < 6000; i++) {
            byte[] start = starts[i % starts.length];
            byte[] input = Arrays.copyOf(start, start.length + 1 + random.nextInt(2048));
            for (int j = start.length; j < input.length; j++) {
                input[j] = (byte) random.nextInt(256);
            }
            classifyInRandomChunks(input, random);
        }
    }

    @Test
    void seededMutationsOfRealHellosShouldNeverThrowNorYieldMalformedNames() {
        Random random = new Random(7L);
        List<byte[]> hellos = realAndBuiltHellos();
        int stillTls = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input = hellos.get(i % hellos.size()).clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(input.length);
                // Length fields are where parsers die: bias toward 0x00, 0xff and small off-by-ones.
                switch (random.nextInt(4)) {
                    case 0 -> input[at] = 0;
                    case 1 -> input[at] = (byte) 0xff;
                    case 2 -> input[at] += random.nextBoolean() ? 1 : -1;
                    default -> input[at] = (byte) random.nextInt(256);
                }
            }
            if (classifyInRandomChunks(input, random).protocol() == Protocol.TLS) {
                stillTls++;
            }
        }
        assertThat(stillTls).as("mutations of opaque bytes (random, key shares) stay valid hellos").isPositive();
    }

    @Test
    void lengthFieldAbuseShouldBeUnknown() {
        List<byte[]> inputs = new ArrayList<>();
        inputs.add(new byte[] {0x16, 3, 1, (byte) 0xff, (byte) 0xff, 1, 0, 0, 0});
        inputs.add(ClientHelloBuilder.record(new byte[] {1, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        inputs.add(ClientHelloBuilder.record(new byte[] {1, 0, 0, 0}));
        inputs.add(clientHello().lyingExtension(0xffff, 0xffff, new byte[8]).record());
        inputs.add(clientHello().sniRaw(new byte[0]).record());
        inputs.add(clientHello().sni("x".repeat(300)).record());
        inputs.add(clientHello().padding(17 * 1024).sni("huge.example").handshake());
        byte[] huge = clientHello().padding(20 * 1024).sni("huge.example").handshake();
        inputs.add(ClientHelloBuilder.records(huge, 0x0303, 16 * 1024));
        byte[] oversizedRecord = ClientHelloBuilder.frame(clientHello().padding(16 * 1024).handshake(), 0x0303);
        inputs.add(oversizedRecord);
        for (byte[] input : inputs) {
            for (InspectionSettings settings : SETTINGS) {
                StreamClassifier classifier = new StreamClassifier(settings);
                StreamClassifierTest.offer(classifier, input);
                assertThat(classifier.finish()).isEqualTo(StreamClassification.UNKNOWN);
            }
        }
    }

    @Test
    void nastyHttpHeadsShouldBeUnknownOrHttpWithWellFormedHost() {
        String[][] cases = {
                {"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", "http", null},
                {"GET / HTTP/1.1\r\nHost: a.example\r\nHOST: b.example\r\n\r\n", "http", null},
                {"GET / HTTP/1.1\r\nX: " + "y".repeat(20_000) + "\r\nHost: late.example\r\n\r\n", "unknown", null},
                {"GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(4000) + "Host: late.example\r\n\r\n", "unknown", null},
                {"GET /" + "p".repeat(20_000) + " HTTP/1.1\r\nHost: a.example\r\n\r\n", "unknown", null},
                {"GET / HTTP/1.1\r\nHost: a.example\0\r\n\r\n", "unknown", null},
                {"GET / HTTP/1.1\r\nHost: \u00e9.example\r\n\r\n", "http", null},
                {"GET / HTTP/1.1\r\nHost: a.example", "unknown", null},
                {"CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", "http", "a.example"},
                {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "unknown", null},
        };
        for (String[] c : cases) {
            byte[] head = c[0].getBytes(StandardCharsets.ISO_8859_1);
            StreamClassifier classifier = new StreamClassifier(InspectionSettings.DEFAULT);
            StreamClassifierTest.offer(classifier, head);
            StreamClassification result = classifier.finish();
            assertThat(result.protocol().wireName()).as(c[0]).isEqualTo(c[1]);
            assertThat(result.httpHost()).as(c[0]).isEqualTo(c[2]);
        }
    }

    /** Classifies under every setting, in seeded random chunks; checks the invariants and returns one result. */
    private static StreamClassification classifyInRandomChunks(byte[] input, Random random) {
        StreamClassification first = null;
        for (InspectionSettings settings : SETTINGS) {
            StreamClassifier classifier = new StreamClassifier(settings);
            int at = 0;
            while (at < input.length && !classifier.isDone()) {
                int n = Math.min(input.length - at, 1 + random.nextInt(300));
                ByteBuf chunk = Unpooled.wrappedBuffer(input, at, n);
                classifier.offer(chunk);
                assertThat(chunk.refCnt()).isEqualTo(1);
                at += n;
            }
            StreamClassification result = classifier.finish();
            classifier.release();
            if (result.sni() != null) {
                assertThat(result.sni()).hasSizeBetween(1, 255).matches(HOST_NAME);
            }
            if (result.httpHost() != null) {
                assertThat(result.httpHost()).hasSizeBetween(1, 255).matches("[A-Za-z0-9._:-]+");
            }
            if (first == null) {
                first = result;
            }
        }
        TlsClientHelloParser parser = new TlsClientHelloParser();
        TlsClientHelloParser.Status whole = parser.parse(input, 0, input.length);
        if (whole == TlsClientHelloParser.Status.COMPLETE) {
            assertThat(first.protocol()).as("one chunk or many, the same answer").isEqualTo(Protocol.TLS);
            assertThat(first.sni()).isEqualTo(parser.sniAsString());
        }
        return first;
    }

    private static List<byte[]> realAndBuiltHellos() {
        List<byte[]> hellos = new ArrayList<>();
        RealClientHellos.samples().forEach(s -> hellos.add(s.bytes()));
        hellos.add(clientHello().sni("cloudflare-ech.com").ech().alpn("h2").record());
        hellos.add(clientHello().esni().record());
        hellos.add(clientHello().sni("split.example").alpn("h2", "http/1.1").recordsSplitAt(5, 50, 51, 90));
        hellos.add(clientHello().withoutExtensionBlock().record());
        return hellos;
    }
}
