package dev.censorsim.messenger;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.classify.StreamClassifier;
import dev.censorsim.metrics.Metric;
import dev.censorsim.proxy.FlowRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat connection over WhatsApp's Noise framing ({@code chat-protocol: wa-noise}), through the real censor proxy
 * over loopback: it carries chat with no SNI, an SNI rule never sees it, a {@code protocol: whatsapp} rule resets it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WaNoiseChatTest {

    private static final String SNI_RESET = """
            rules:
              - name: chat-sni-reset
                match: { sni: [g.whatsapp.net] }
                action: { type: reset }
            """;
    private static final String PROTOCOL_RESET = """
            rules:
              - name: whatsapp-protocol-reset
                match: { protocol: [whatsapp] }
                action: { type: reset }
            """;

    @Test
    void firstClientBytesShouldCarryTheBytesNdpiKeysOnAndANoiseClientHello() {
        ByteBuf start = WaNoise.clientStart(UnpooledByteBufAllocator.DEFAULT);
        byte[] bytes = ByteBufUtil.getBytes(start);
        start.release();

        // nDPI protocols/whatsapp.c: "ED" 00 01 00 00 04 08 for current clients.
        assertThat(bytes).startsWith('E', 'D', 0, 1, 0, 0, 4, 8);
        assertThat(bytes[11]).isEqualTo((byte) 'W');
        assertThat(bytes[12]).isEqualTo((byte) 'A');
        // Then the first frame: a 3-byte length, HandshakeMessage.clientHello.ephemeral (32 bytes).
        int frame = ((bytes[15] & 0xff) << 16) | ((bytes[16] & 0xff) << 8) | (bytes[17] & 0xff);
        assertThat(frame).isEqualTo(36);
        assertThat(bytes).hasSize(18 + frame);
        assertThat(new byte[] {bytes[18], bytes[19], bytes[20], bytes[21]}).containsExactly(0x12, 0x22, 0x0a, 0x20);

        StreamClassifier classifier = new StreamClassifier(InspectionSettings.DEFAULT);
        ByteBuf buf = io.netty.buffer.Unpooled.wrappedBuffer(bytes);
        try {
            classifier.offer(buf);
            StreamClassification seen = classifier.finish();
            assertThat(seen.protocol()).as("the existing protocol: whatsapp recogniser").isEqualTo(Protocol.WHATSAPP);
        } finally {
            classifier.release();
            buf.release();
        }
    }

    @Test
    void chatOverNoiseShouldBeDeliveredPastAnSniRule() throws Exception {
        try (MessengerRig rig = MessengerRig.start(SNI_RESET)) {
            MessengerSnapshot t = run(rig.client().chat(20, 128, Duration.ofSeconds(5))
                    .chatProtocol(ChatProtocol.WA_NOISE), 4_000);

            assertThat(t.get(Metric.CHAT_DELIVERED)).isGreaterThanOrEqualTo(10);
            assertThat(t.get(Metric.CONNECT_OK)).isGreaterThanOrEqualTo(1);
            assertThat(t.get(Metric.CONNECT_RESET)).as("the SNI rule has no name to read").isZero();
        }
    }

    @Test
    void chatOverNoiseShouldBeResetByAProtocolRuleWhileTlsChatPasses() throws Exception {
        try (MessengerRig rig = MessengerRig.start(PROTOCOL_RESET)) {
            MessengerSnapshot noise = run(rig.client().chat(20, 64, Duration.ofSeconds(5))
                    .chatProtocol(ChatProtocol.WA_NOISE), 4_000);
            MessengerSnapshot tls = run(rig.client().chat(20, 64, Duration.ofSeconds(5)), 4_000);

            assertThat(noise.get(Metric.CONNECT_ATTEMPTS)).isGreaterThanOrEqualTo(3);
            assertThat(noise.get(Metric.CONNECT_RESET)).isEqualTo(noise.get(Metric.CONNECT_ATTEMPTS));
            assertThat(noise.get(Metric.CHAT_DELIVERED)).isZero();
            assertThat(rig.flows).extracting(FlowRecord::ruleName).contains("whatsapp-protocol-reset");
            assertThat(rig.flows).filteredOn(f -> "whatsapp-protocol-reset".equals(f.ruleName()))
                    .extracting(FlowRecord::serverName).as("no SNI on the wire").containsOnlyNulls();
            assertThat(tls.get(Metric.CONNECT_RESET)).as("TLS chat is not WhatsApp's framing").isZero();
            assertThat(tls.get(Metric.CHAT_DELIVERED)).isGreaterThanOrEqualTo(5);
        }
    }

    /**
     * Runs the client for {@code millis} and returns one interval: an attempt counts in the interval it began in, so
     * a single cut at the end counts every attempt the window saw.
     */
    private static MessengerSnapshot run(MessengerClientOptions.Builder options, long millis) throws Exception {
        try (MessengerClient client = MessengerClient.start(options.build())) {
            Thread.sleep(millis);
            return client.cut();
        }
    }
}
