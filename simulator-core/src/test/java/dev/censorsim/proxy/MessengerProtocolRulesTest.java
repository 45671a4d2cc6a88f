package dev.censorsim.proxy;

import dev.censorsim.classify.MtprotoObfuscated;
import dev.censorsim.classify.WhatsAppPrologue;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** {@code protocol: whatsapp} and {@code protocol: mtproto} rules over real sockets: no SNI needed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerProtocolRulesTest {

    private static final String POLICY = """
            rules:
              - name: block-whatsapp-chat
                match: { protocol: [whatsapp] }
                action: { type: reset }
              - name: block-mtproto
                match: { protocol: [mtproto] }
                action: { type: reset }
            """;

    @Test
    void whatsAppChatFramingShouldBeResetWithoutAnySni() throws Exception {
        byte[] first = Arrays.copyOf(WhatsAppPrologue.header(), 64);
        RecordingListener records = new RecordingListener();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, records)) {
            assertThat(send(proxy, first)).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            assertThat(records.next(5_000).ruleName()).isEqualTo("block-whatsapp-chat");
        }
    }

    @Test
    void obfuscatedMtprotoShouldBeResetAndRandomBytesShouldPass() throws Exception {
        byte[] noise = new byte[64];
        new SplittableRandom(3).nextBytes(noise);
        byte[] header = MtprotoObfuscated.header(noise);
        byte[] random = noise.clone();
        random[0] = 0x01;
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             CensorProxy proxy = start(echo, new RecordingListener())) {
            assertThat(send(proxy, header)).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
            assertThat(send(proxy, random)).as("64 random bytes are not a header").isNull();
        }
    }

    private static CensorProxy start(LoopbackServer server, RecordingListener records) throws Exception {
        CompiledPolicy compiled = PolicyLoader.parse(POLICY, "messengers.yaml");
        return CensorProxy.start(ProxyOptions.forward(server.address()).policy(new PolicyHolder(compiled))
                .listener(records).build());
    }

    private static Throwable send(CensorProxy proxy, byte[] first) throws IOException {
        try (Socket client = RelayTest.connect(proxy)) {
            return catchThrowable(() -> {
                client.getOutputStream().write(first);
                assertThat(client.getInputStream().readNBytes(first.length)).isEqualTo(first);
            });
        }
    }
}
