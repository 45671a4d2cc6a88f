package dev.censorsim.classify;

import dev.censorsim.classify.HttpHostParser.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HttpHostParserTest {

    private final HttpHostParser parser = new HttpHostParser(1024);

    @Test
    void shouldExtractHostFromGetRequest() {
        assertComplete("GET / HTTP/1.1\r\nHost: web.whatsapp.com\r\nUser-Agent: x\r\n\r\n", "web.whatsapp.com");
    }

    @Test
    void shouldMatchHostHeaderNameCaseInsensitively() {
        assertComplete("POST /api HTTP/1.1\r\nAccept: */*\r\nhOsT: Example.ORG\r\n\r\nbody", "Example.ORG");
    }

    @Test
    void shouldTrimHostValueAndStripPort() {
        assertComplete("GET / HTTP/1.1\r\nHost: \t example.com:8080 \t\r\n\r\n", "example.com");
        assertComplete("GET / HTTP/1.0\r\nHost: example.com:\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: example.com:123456\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: example.com:80a\r\n\r\n", null);
    }

    @Test
    void shouldStripBracketsAndPortOfIpv6Literal() {
        assertComplete("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", "::1");
        assertComplete("GET / HTTP/1.1\r\nHost: [2001:db8::7]\r\n\r\n", "2001:db8::7");
        assertComplete("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: []:80\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: [::g]\r\n\r\n", null);
    }

    @Test
    void shouldReportHttpWithoutHostWhenHostIsMissingEmptyOrDuplicated() {
        assertComplete("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost:\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", null);
        assertThat(parser.hostHeaderCount()).isEqualTo(2);
    }

    @Test
    void shouldNotTakeLookalikeHeadersForHost() {
        assertComplete("GET / HTTP/1.1\r\nHostname: fake.example\r\nX-Host: fake2.example\r\nHos: f\r\n"
                + "Host: real.example\r\n\r\n", "real.example");
    }

    @Test
    void shouldAcceptBareLineFeeds() {
        assertComplete("GET / HTTP/1.1\nHost: lf.example\n\n", "lf.example");
    }

    @Test
    void shouldNeedMoreUntilTheHeadEnds() {
        byte[] b = bytes("GET / HTTP/1.1\r\nHost: slow.example\r\n\r\n");
        for (int i = 0; i < b.length - 1; i++) {
            assertThat(parser.parse(b, 0, i)).as("prefix %d", i).isEqualTo(Status.NEED_MORE);
        }
        assertThat(parser.parse(b, 0, b.length)).isEqualTo(Status.COMPLETE);
    }

    @Test
    void shouldParseHeadFedOneByteAtATime() {
        ByteBuf buf = Unpooled.copiedBuffer("GET /x HTTP/1.1\r\nHost: drip.example:81\r\n\r\n",
                StandardCharsets.US_ASCII);
        Status status = Status.NEED_MORE;
        for (int i = 0; i < buf.writerIndex(); i++) {
            status = parser.offer(buf, i, 1);
        }
        assertThat(status).isEqualTo(Status.COMPLETE);
        assertThat(parser.hostAsString()).isEqualTo("drip.example");
        assertThat(buf.readerIndex()).isZero();
    }

    @Test
    void shouldRejectMalformedRequestLinesAtTheFirstBadByte() {
        assertNotHttp("get / HTTP/1.1\r\n");
        assertNotHttp("GET\0");
        assertNotHttp("GET  / HTTP/1.1\r\n");
        assertNotHttp("GET / HTTP/2.0\r\n");
        assertNotHttp("GET / HTTP/1.x\r\n");
        assertNotHttp("GET / HTTP/1.1 \r\n");
        assertNotHttp("GET / HTTP/1.1\rX");
        assertNotHttp("GET /\u00e9 HTTP/1.1\r\n");
        assertNotHttp("A".repeat(25) + " / HTTP/1.1\r\n");
        assertNotHttp("SSH-2.0-OpenSSH_9.6\r\n");
    }

    @Test
    void shouldRejectMalformedHeaderLines() {
        assertNotHttp("GET / HTTP/1.1\r\nHost : a.example\r\n\r\n");
        assertNotHttp("GET / HTTP/1.1\r\nHost: a.example\r\n folded\r\n\r\n");
        assertNotHttp("GET / HTTP/1.1\r\nHost: a\0.example\r\n\r\n");
        assertNotHttp("GET / HTTP/1.1\r\nNo colon here\r\n\r\n");
        assertNotHttp("GET / HTTP/1.1\r\nHost: a.example\r\n\rX");
    }

    @Test
    void shouldGiveUpWhenTheHeadExceedsTheLimit() {
        String head = "GET / HTTP/1.1\r\nX-Long: " + "v".repeat(2000) + "\r\nHost: late.example\r\n\r\n";
        assertNotHttp(head);
        String exact = "GET / HTTP/1.1\r\nHost: h.example\r\nX: " + "v".repeat(1024 - 40) + "\r\n\r\n";
        assertThat(exact).hasSize(1024);
        assertComplete(exact, "h.example");
        assertNotHttp(exact.replace("X: v", "X: vv"));
    }

    @Test
    void shouldRejectInvalidHostCharactersAndOverlongHosts() {
        assertComplete("GET / HTTP/1.1\r\nHost: bad host.example\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: user@evil.example\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: " + "a".repeat(256) + "\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: " + "a".repeat(400) + "\r\n\r\n", null);
        assertComplete("GET / HTTP/1.1\r\nHost: " + "a".repeat(255) + "\r\n\r\n", "a".repeat(255));
    }

    private void assertComplete(String head, String host) {
        byte[] b = bytes(head);
        assertThat(parser.parse(b, 0, b.length)).as(head).isEqualTo(Status.COMPLETE);
        assertThat(parser.hostAsString()).as(head).isEqualTo(host);
        ByteBuf buf = Unpooled.wrappedBuffer(b);
        assertThat(parser.parse(buf, 0, b.length)).as("ByteBuf: " + head).isEqualTo(Status.COMPLETE);
        assertThat(parser.hostAsString()).as("ByteBuf: " + head).isEqualTo(host);
    }

    private void assertNotHttp(String head) {
        byte[] b = bytes(head);
        assertThat(parser.parse(b, 0, b.length)).as(head).isEqualTo(Status.NOT_HTTP);
        assertThat(parser.hostAsString()).isNull();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
