package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.trace.TlsMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * XMPP STARTTLS (RFC 6120 §5) over real sockets: the stream header, the features, {@code <starttls/>} and
 * {@code <proceed/>} go in the clear, then the client's TLS ClientHello; an {@code sni} rule must catch that hello.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class XmppStartTlsTest {

    private static final String STREAM = "<?xml version='1.0'?><stream:stream to='chat.example' version='1.0' "
            + "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
    private static final String FEATURES = "<stream:stream from='chat.example' id='1' version='1.0' "
            + "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><stream:features>"
            + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";
    private static final String STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    private static final String PROCEED = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

    private static final String POLICY = """
            rules:
              - name: block-xmpp-sni
                match: { sni: [chat.example] }
                action: { type: reset }
            """;

    /** Answers the negotiation, then echoes whatever TLS bytes follow. */
    private static final LoopbackServer.Behaviour SERVER = socket -> {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        readUntil(in, ">"); // the stream header ends with '>'
        out.write(FEATURES.getBytes(StandardCharsets.US_ASCII));
        readUntil(in, "/>");
        out.write(PROCEED.getBytes(StandardCharsets.US_ASCII));
        byte[] buffer = new byte[4096];
        int n;
        try {
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
            }
        } catch (IOException reset) {
            // the censor resets the blocked case
        }
    };

    @Test
    void sniRuleShouldCatchTheClientHelloAfterStartTls() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(SERVER);
             CensorProxy proxy = start(server, records)) {
            Throwable failure = catchThrowable(() -> negotiateThenHello(proxy, "chat.example"));

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            FlowRecord record = records.next(5_000);
            assertThat(record.ruleName()).isEqualTo("block-xmpp-sni");
            assertThat(record.earlierVerdicts()).singleElement().asString()
                    .endsWith("(STARTTLS ClientHello for chat.example)");
        }
    }

    @Test
    void otherNameAfterStartTlsShouldPass() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(SERVER);
             CensorProxy proxy = start(server, new RecordingListener())) {
            assertThat(catchThrowable(() -> negotiateThenHello(proxy, "other.example"))).isNull();
        }
    }

    private static void negotiateThenHello(CensorProxy proxy, String sni) throws IOException {
        try (Socket client = RelayTest.connect(proxy)) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            out.write(STREAM.getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(in, "</stream:features>")).contains("urn:ietf:params:xml:ns:xmpp-tls");
            out.write(STARTTLS.getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(in, "/>")).contains("proceed");
            byte[] hello = TlsMessages.clientHello(sni, List.of("xmpp-client"), false, new Random(5));
            out.write(hello);
            assertThat(in.readNBytes(hello.length)).as("the echoed hello").isEqualTo(hello);
        }
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.toString().endsWith(end)) {
                return b.toString();
            }
        }
        throw new IOException("EOF before '" + end + "' after: " + b);
    }

    private static CensorProxy start(LoopbackServer server, RecordingListener records) throws Exception {
        CompiledPolicy compiled = PolicyLoader.parse(POLICY, "xmpp.yaml");
        return CensorProxy.start(ProxyOptions.forward(server.address()).policy(new PolicyHolder(compiled))
                .listener(records).build());
    }
}
