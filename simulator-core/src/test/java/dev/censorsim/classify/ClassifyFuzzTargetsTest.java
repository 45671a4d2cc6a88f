package dev.censorsim.classify;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets (Jazzer) for the stream and datagram recognisers. {@code mvn verify} replays the seeds
 * under {@code ClassifyFuzzTargetsTestInputs/<method>/}; {@code -Pfuzz} with one {@code -Dtest=Class#method} fuzzes.
 * The property is the same everywhere: any bytes are classified or not, never an exception, never a read outside
 * the given range (the buffers are exactly the input's size, so an overrun throws).
 */
class ClassifyFuzzTargetsTest {

    private final TlsClientHelloParser clientHello = new TlsClientHelloParser();
    private final HttpHostParser httpHost = new HttpHostParser();
    private final QuicInitialRecognizer quic = new QuicInitialRecognizer();
    private final StunRecognizer stun = new StunRecognizer();
    private final RtpRecognizer rtp = new RtpRecognizer();
    private final DtlsRecognizer dtls = new DtlsRecognizer();
    private final DnsRecognizer dns = new DnsRecognizer();

    /** The ClientHello parser, fed in two segments split where the first byte says (reassembly across segments). */
    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void clientHello(byte[] input) {
        clientHello.reset();
        int split = input.length == 0 ? 0 : (input[0] & 0xff) % input.length;
        clientHello.offer(input, 0, split);
        TlsClientHelloParser.Status status = clientHello.offer(input, split, input.length - split);
        if (clientHello.hasSni()) {
            assertThat(clientHello.sniLength()).isPositive();
            assertThat(clientHello.sniAsString()).isNotNull();
        }
        assertThat(status).isNotNull();
        clientHello.alpnList();
        clientHello.releaseBuffer();
    }

    /** The HTTP/1 Host parser, in two segments. */
    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void httpHost(byte[] input) {
        httpHost.reset();
        int split = input.length == 0 ? 0 : (input[0] & 0xff) % input.length;
        httpHost.offer(input, 0, split);
        assertThat(httpHost.offer(input, split, input.length - split)).isNotNull();
    }

    /** QUIC Initial: header checks, Initial key derivation, decryption and the CRYPTO frames inside. */
    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void quicInitial(byte[] input) {
        ByteBuf buffer = Unpooled.wrappedBuffer(input);
        quic.recognize(buffer, 0, input.length);
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void stun(byte[] input) {
        stun.recognize(Unpooled.wrappedBuffer(input), 0, input.length);
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void rtpRtcp(byte[] input) {
        rtp.recognize(Unpooled.wrappedBuffer(input), 0, input.length);
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void dtls(byte[] input) {
        dtls.recognize(Unpooled.wrappedBuffer(input), 0, input.length);
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void dnsRecogniser(byte[] input) {
        dns.recognize(Unpooled.wrappedBuffer(input), 0, input.length);
    }
}
