package dev.censorsim.classify;

import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class StunRecognizerTest {

    private final StunRecognizer recognizer = new StunRecognizer();
    private final SplittableRandom random = new SplittableRandom(1);

    @Test
    void bindingRequestShouldBeRecognisedAsARequest() {
        byte[] request = UdpPayloads.stunBindingRequest(false, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(request), 0, request.length)).isTrue();
        assertThat(recognizer.messageType()).isEqualTo(StunRecognizer.BINDING_REQUEST);
        assertThat(recognizer.messageClass()).isZero();
        assertThat(recognizer.attributeCount()).isEqualTo(3);
        assertThat(recognizer.hasWhatsAppHint()).isFalse();
    }

    @Test
    void bindingSuccessShouldBeRecognisedAsASuccessResponse() {
        byte[] response = UdpPayloads.stunBindingSuccess(new byte[] {(byte) 198, 51, 100, 7}, 40_000, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(response), 0, response.length)).isTrue();
        assertThat(recognizer.method()).isEqualTo(1);
        assertThat(recognizer.messageClass()).isEqualTo(2);
    }

    @Test
    void whatsAppMessageTypeAndAttributeShouldBeFlagged() {
        byte[] request = UdpPayloads.stunBindingRequest(true, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(request), 0, request.length)).isTrue();
        assertThat(recognizer.messageType()).isEqualTo(0x0800);
        assertThat(recognizer.hasWhatsAppHint()).isTrue();
    }

    @Test
    void lengthThatDoesNotMatchTheDatagramShouldNotBeStun() {
        byte[] request = UdpPayloads.stunBindingRequest(false, random);
        byte[] longer = java.util.Arrays.copyOf(request, request.length + 4);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(longer), 0, longer.length)).isFalse();
    }

    @Test
    void wrongCookieOrTopBitsShouldNotBeStun() {
        byte[] noCookie = UdpPayloads.stunBindingRequest(false, random);
        noCookie[4] = 0;
        byte[] topBits = UdpPayloads.stunBindingRequest(false, random);
        topBits[0] = (byte) 0x80;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(noCookie), 0, noCookie.length)).isFalse();
        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(topBits), 0, topBits.length))
                .as("RTP and DTLS set the top bits").isFalse();
    }

    @Test
    void attributeOverrunningTheMessageShouldNotBeStun() {
        byte[] request = UdpPayloads.stunBindingRequest(false, random);
        request[22] = 0x7f;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(request), 0, request.length)).isFalse();
    }
}
