package dev.censorsim.classify;

import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DnsRecognizerTest {

    private final DnsRecognizer recognizer = new DnsRecognizer();

    @Test
    void queryShouldBeRecognisedWithItsName() {
        byte[] query = UdpPayloads.dnsQuery(0x1234, "web.whatsapp.com", 28);
        ByteBuf buffer = Unpooled.wrappedBuffer(query);

        assertThat(recognizer.recognize(buffer, 0, query.length)).isTrue();
        assertThat(recognizer.isResponse()).isFalse();
        assertThat(recognizer.queryType()).isEqualTo(28);
        byte[] name = new byte[DnsRecognizer.MAX_NAME_LENGTH];
        int length = recognizer.copyName(buffer, name, 0);
        assertThat(new String(name, 0, length, StandardCharsets.US_ASCII)).isEqualTo("web.whatsapp.com");
        assertThat(recognizer.nameLength()).isEqualTo(length);
    }

    @Test
    void nxdomainResponseShouldBeRecognisedWithItsResponseCode() {
        byte[] response = UdpPayloads.dnsResponse(1, "whatsapp.com", null);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(response), 0, response.length)).isTrue();
        assertThat(recognizer.isResponse()).isTrue();
        assertThat(recognizer.responseCode()).isEqualTo(3);
    }

    @Test
    void compressionPointerInTheQuestionShouldNotBeDns() {
        byte[] query = UdpPayloads.dnsQuery(1, "a.example", 1);
        query[12] = (byte) 0xc0;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(query), 0, query.length)).isFalse();
    }

    @Test
    void twoQuestionsOrAQueryWithAnErrorCodeShouldNotBeDns() {
        byte[] twoQuestions = UdpPayloads.dnsQuery(1, "a.example", 1);
        twoQuestions[5] = 2;
        byte[] queryWithRcode = UdpPayloads.dnsQuery(1, "a.example", 1);
        queryWithRcode[3] = 3;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(twoQuestions), 0, twoQuestions.length)).isFalse();
        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(queryWithRcode), 0, queryWithRcode.length)).isFalse();
    }

    @Test
    void nameRunningPastTheDatagramShouldNotBeDns() {
        byte[] query = UdpPayloads.dnsQuery(1, "a.example", 1);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(query), 0, 12 + 6)).isFalse();
    }
}
