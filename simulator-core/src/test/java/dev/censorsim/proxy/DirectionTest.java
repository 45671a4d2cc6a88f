package dev.censorsim.proxy;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.trace.TlsMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Direction and initiator over real sockets: flows initiated from outside {@code inside:} are not inspected, and a
 * ClientHello the server side sends triggers the rule as one from the client does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DirectionTest {

    private static final String RESET_SNI = """
            %s
            rules:
              - name: sni-reset
                match: { sni: [blocked.example] }
                action: { type: reset }
            """;

    @Test
    void flowFromOutsideShouldNotBeInspected() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, RESET_SNI.formatted("inside: [10.0.0.0/8, 'fd00::/8']"), records)) {
            assertThat(echoHello(proxy)).as("127.0.0.1 is outside, so its blocked SNI passes").isNull();
            FlowRecord record = records.next(5_000);
            assertThat(record.action()).isEqualTo("pass (initiated from outside)");
            assertThat(record.ruleName()).isNull();
        }
    }

    @Test
    void flowFromInsideShouldBeInspected() throws Exception {
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, RESET_SNI.formatted("inside: [127.0.0.0/8]"), new RecordingListener())) {
            assertThat(echoHello(proxy)).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
        }
    }

    @Test
    void clientHelloFromTheServerSideShouldTriggerTheRule() throws Exception {
        RecordingListener records = new RecordingListener();
        try (LoopbackServer server = LoopbackServer.start(answerWithHello("blocked.example"));
             CensorProxy proxy = start(server, RESET_SNI.formatted(""), records);
             Socket client = RelayTest.connect(proxy)) {
            client.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));

            Throwable failure = catchThrowable(() -> client.getInputStream().readNBytes(64 * 1024));

            assertThat(failure).as("the server's ClientHello named a blocked server").isInstanceOf(IOException.class)
                    .hasMessageContaining("Connection reset");
            FlowRecord record = records.next(5_000);
            assertThat(record.ruleName()).isEqualTo("sni-reset");
            assertThat(record.serverName()).isEqualTo("blocked.example");
            assertThat(record.earlierVerdicts()).singleElement().asString()
                    .endsWith("(the server sent a ClientHello for blocked.example)");
        }
    }

    @Test
    void clientHelloFromAServerThatSpeaksFirstShouldTriggerTheRule() throws Exception {
        byte[] hello = TlsMessages.clientHello("blocked.example", List.of(), false, new Random(5));
        LoopbackServer.Behaviour greetWithHello = socket -> {
            socket.getOutputStream().write(hello);
            drain(socket.getInputStream());
        };
        try (LoopbackServer server = LoopbackServer.start(greetWithHello);
             CensorProxy proxy = start(server, RESET_SNI.formatted(""), new RecordingListener());
             Socket client = RelayTest.connect(proxy)) {
            Throwable failure = catchThrowable(() -> client.getInputStream().readNBytes(64 * 1024));

            assertThat(failure).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
        }
    }

    @Test
    void innocuousClientHelloFromTheServerSideShouldPass() throws Exception {
        byte[] expected = TlsMessages.clientHello("fine.example", List.of(), false, new Random(9));
        try (LoopbackServer server = LoopbackServer.start(answerWithHello("fine.example"));
             CensorProxy proxy = start(server, RESET_SNI.formatted(""), new RecordingListener());
             Socket client = RelayTest.connect(proxy)) {
            client.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(client.getInputStream().readNBytes(expected.length)).isEqualTo(expected);
        }
    }

    @Test
    void badInsideCidrShouldBeAnErrorAtItsLine() {
        assertThatThrownBy(() -> PolicyLoader.parse(RESET_SNI.formatted("inside: [10.0.0.0/33]"), "inside.yaml"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("inside.yaml:1:");
    }

    /** Reads the client's first line, then answers with a ClientHello for {@code sni} (seeded as the test's). */
    private static LoopbackServer.Behaviour answerWithHello(String sni) {
        byte[] hello = TlsMessages.clientHello(sni, List.of(), false,
                new Random(sni.equals("fine.example") ? 9 : 5));
        return socket -> {
            InputStream in = socket.getInputStream();
            if (in.read(new byte[1024]) < 0) {
                return;
            }
            socket.getOutputStream().write(hello);
            drain(in);
        };
    }

    private static CensorProxy start(LoopbackServer server, String policy, RecordingListener records)
            throws Exception {
        CompiledPolicy compiled = PolicyLoader.parse(policy, "inside.yaml");
        return CensorProxy.start(ProxyOptions.forward(server.address()).policy(new PolicyHolder(compiled))
                .listener(records).build());
    }

    /** Sends a ClientHello for blocked.example and reads its echo: null when it came back, else what happened. */
    private static Throwable echoHello(CensorProxy proxy) throws IOException {
        byte[] hello = TlsMessages.clientHello("blocked.example", List.of("h2"), false, new Random(1));
        try (Socket client = RelayTest.connect(proxy)) {
            return catchThrowable(() -> {
                client.getOutputStream().write(hello);
                assertThat(client.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
            });
        }
    }

    private static void drain(InputStream in) {
        try {
            while (in.read(new byte[4096]) >= 0) {
                // until the client leaves
            }
        } catch (IOException reset) {
            // the censor resets some of these flows on purpose
        }
    }
}
