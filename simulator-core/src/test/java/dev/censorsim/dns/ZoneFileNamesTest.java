package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Zone-file names that need master-file escapes ({@code x@y}, {@code a\.b}, {@code \200}), loaded from a file and
 * asked for over loopback: each is found by the question a client sends for it and written back as its own labels.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZoneFileNamesTest {

    private static final int A = 1;
    /** A 30-byte label of 0xC8 bytes: 120 characters as master-file text, which is over 63. */
    private static final String HIGH_LABEL = "\\200".repeat(30);
    private static final String ZONE = """
            $ORIGIN example.com.
            $TTL 60
            @          IN SOA ns hostmaster ( 1 3600 600 86400 30 )
            x@y        IN A     192.0.2.1
            a\\.b      IN A     192.0.2.2
            a.b        IN A     192.0.2.9
            c          IN CNAME a\\.b
            high       IN CNAME %1$s
            %1$s IN A 192.0.2.3
            """.formatted(HIGH_LABEL);

    @TempDir
    Path dir;
    private DnsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aNameWithAnAtSignShouldBeFoundByItsQuestion() throws Exception {
        Message reply = ask("x@y.example.com");

        assertThat(reply.getRcode()).isZero();
        assertThat(addresses(reply)).containsExactly("192.0.2.1");
    }

    @Test
    void anEscapedDotShouldStayInsideItsLabelAndNotBeTheNameOfTwoLabels() throws Exception {
        Message viaCname = ask("c.example.com");
        Message twoLabels = ask("a.b.example.com");

        assertThat(viaCname.getRcode()).isZero();
        List<Record> answers = viaCname.getSection(Section.ANSWER);
        assertThat(answers).hasSize(2);
        Name oneLabel = Name.fromString("a\\.b.example.com.");
        assertThat(answers.get(1).getName()).as("the A's owner is the one label a.b").isEqualTo(oneLabel);
        assertThat(answers.get(1).getName().labels()).isEqualTo(4);
        assertThat(addresses(viaCname)).containsExactly("192.0.2.2");
        assertThat(addresses(twoLabels)).containsExactly("192.0.2.9");
    }

    @Test
    void aLabelOfEscapedBytesLongerThan63AsTextShouldBeAnsweredWithItsBytes() throws Exception {
        Message reply = ask("high.example.com");

        assertThat(reply.getRcode()).isZero();
        List<Record> answers = reply.getSection(Section.ANSWER);
        assertThat(answers).hasSize(2);
        assertThat(answers.get(1).getName()).isEqualTo(Name.fromString(HIGH_LABEL + ".example.com."));
        assertThat(addresses(reply)).containsExactly("192.0.2.3");
    }

    @Test
    void anAnswerWithANameThatCannotBeWrittenShouldBeServfailNotSilence() throws Exception {
        IncomingQuery query = DnsQueryReader.read(Unpooled.wrappedBuffer(RawDns.query(5, "x.test", A, 1232)));
        DnsAnswer answer = new DnsAnswer();
        answer.answers.add(new ZoneRecord("x".repeat(64) + ".test.", DnsRecordType.A, 60, new byte[] {1, 2, 3, 4}));
        boolean[] truncated = new boolean[1];

        ByteBuf encoded = QueryReplies.encode(ByteBufAllocator.DEFAULT, query, answer, 1232, 1232, false, truncated);

        assertThat(encoded).as("an answer, not silence").isNotNull();
        try {
            byte[] bytes = new byte[encoded.readableBytes()];
            encoded.getBytes(encoded.readerIndex(), bytes);
            assertThat(RawDns.id(bytes)).isEqualTo(5);
            assertThat(RawDns.rcode(bytes)).isEqualTo(DnsAnswer.SERVFAIL);
            assertThat(RawDns.answerCount(bytes)).isZero();
            assertThat(answer.rcode).as("what the query log records").isEqualTo(DnsAnswer.SERVFAIL);
        } finally {
            encoded.release();
            answer.release();
        }
    }

    @Test
    void aZoneErrorShouldSpellAnEscapedNameWithItsEscapes() {
        String zone = "$ORIGIN example.com.\n@ IN SOA ns hostmaster ( 1 3600 600 86400 30 )\n"
                + "a\\.b.other.org. IN A 192.0.2.1\n";
        byte[] text = zone.getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> ZoneFileLoader.parse(new ByteArrayInputStream(text), "escapes.zone"))
                .isInstanceOf(ZoneException.class)
                .hasMessage("escapes.zone: 'a\\.b.other.org' is outside the zone example.com.");
    }

    private Message ask(String name) throws Exception {
        if (server == null) {
            Path file = dir.resolve("escapes.zone");
            Files.writeString(file, ZONE, StandardCharsets.US_ASCII);
            server = DnsServer.start(DnsServerOptions.builder().zone(ZoneFileLoader.load(file)).build());
        }
        byte[] reply = RawDns.udp(server.udpAddress(), RawDns.query(7, name, A, 1232), 2_000);
        assertThat(reply).as("an answer for %s", name).isNotNull();
        return new Message(reply);
    }

    private static List<String> addresses(Message reply) {
        return reply.getSection(Section.ANSWER).stream().filter(ARecord.class::isInstance)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }
}
