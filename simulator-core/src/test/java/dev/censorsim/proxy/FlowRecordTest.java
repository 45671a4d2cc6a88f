package dev.censorsim.proxy;

import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FlowRecordTest {

    @Test
    void logLineShouldReadLikeTheDocumentedExample() throws Exception {
        FlowRecord record = new FlowRecord(address("127.0.0.1", 51234), address("127.0.0.1", 8443), null,
                "g.whatsapp.net", "whatsapp-reset", "reset", 517, 0, 3_400_000, FlowEnd.RESET, null);

        assertThat(record.toLogLine()).isEqualTo("127.0.0.1:51234 -> 127.0.0.1:8443 sni=g.whatsapp.net "
                + "rule=whatsapp-reset action=reset up=517B down=0B 3ms end=reset");
    }

    @Test
    void logLineShouldBracketIpv6AndShowTargetAndDetail() throws Exception {
        FlowRecord record = new FlowRecord(address("::1", 40000), null, "web.whatsapp.com", null, null,
                "pass", 0, 0, 12_000_000, FlowEnd.ERROR, "cannot resolve web.whatsapp.com");

        assertThat(record.toLogLine()).isEqualTo("[::1]:40000 -> ? target=web.whatsapp.com rule=- action=pass "
                + "up=0B down=0B 12ms end=error (cannot resolve web.whatsapp.com)");
    }

    @Test
    @SuppressWarnings("try") // the client closes early on purpose: that ends the flow
    void plainHttpFlowShouldBeLoggedWithHostNotSni() throws Exception {
        RecordingListener records = new RecordingListener();
        ScriptedPolicy policy = ScriptedPolicy.onContent("never", facts -> false, TestActions.reset());
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(echo.address())
                     .flowPolicy(policy.source()).listener(records).build())) {
            try (Socket client = RelayTest.connect(proxy)) {
                client.getOutputStream().write("GET / HTTP/1.1\r\nHost: plain.example\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                client.getInputStream().readAllBytes();
            }
            String line = records.next(5_000).toLogLine();
            assertThat(line).contains(" host=plain.example ").doesNotContain("sni=");
        }
    }

    @Test
    void endNamesShouldBeLowerCaseWithDashes() {
        assertThat(FlowEnd.CLIENT_CLOSED.wireName()).isEqualTo("client-closed");
        assertThat(FlowEnd.FROZEN.wireName()).isEqualTo("frozen");
    }

    private static InetSocketAddress address(String literal, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(literal), port);
    }
}
