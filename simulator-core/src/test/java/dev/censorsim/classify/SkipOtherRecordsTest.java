package dev.censorsim.classify;

import dev.censorsim.trace.TlsMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code skip-other-records}: a ChangeCipherSpec (or alert, or application-data) record before the ClientHello kept the
 * 2021 throttler looking (Xue et al., IMC 2021), where a parser that commits to the first record gives up.
 */
class SkipOtherRecordsTest {

    private static final byte[] CCS = {20, 3, 3, 0, 1, 1};

    private static byte[] ccsThenHello(String name) {
        byte[] hello = TlsMessages.clientHello(name, List.of("h2"), false, new SplittableRandom(7));
        byte[] out = Arrays.copyOf(CCS, CCS.length + hello.length);
        System.arraycopy(hello, 0, out, CCS.length, hello.length);
        return out;
    }

    private static StreamClassification classify(InspectionSettings settings, byte[]... packets) {
        StreamClassifier classifier = new StreamClassifier(settings);
        try {
            for (byte[] p : packets) {
                ByteBuf buf = Unpooled.wrappedBuffer(p);
                try {
                    if (classifier.offer(buf)) {
                        break;
                    }
                } finally {
                    buf.release();
                }
            }
            return classifier.finish();
        } finally {
            classifier.release();
        }
    }

    @Test
    void ccsBeforeTheHelloShouldBeSteppedOverWhenSkipping() {
        StreamClassification seen = classify(new InspectionSettings(false, 16 * 1024, true), ccsThenHello("twitter.com"));

        assertThat(seen.protocol()).isEqualTo(Protocol.TLS);
        assertThat(seen.serverName()).isEqualTo("twitter.com");
    }

    @Test
    void ccsBeforeTheHelloShouldEndInspectionWithoutSkipping() {
        StreamClassification seen = classify(new InspectionSettings(false, 16 * 1024), ccsThenHello("twitter.com"));

        assertThat(seen.serverName()).isNull();
    }

    @Test
    void anAlertRecordInsideTheHelloShouldNotBeSkipped() {
        byte[] hello = TlsMessages.clientHello("twitter.com", List.of("h2"), false, new SplittableRandom(7));
        byte[] split = Evasions.recordSplitWithAlertBetween(hello);

        StreamClassification seen = classify(new InspectionSettings(true, 16 * 1024, true), split);

        assertThat(seen.serverName()).as("only records before the hello's first byte are stepped over").isNull();
    }

    @Test
    void moduleSettingShouldReachTheParser() {
        ModuleClassifier module = new ModuleClassifier(new ModuleInspection(false, 16 * 1024, 20, 100, true));
        ByteBuf buf = Unpooled.wrappedBuffer(ccsThenHello("twitter.com"));
        try {
            module.offer(buf);
            assertThat(module.result().serverName()).isEqualTo("twitter.com");
        } finally {
            buf.release();
        }
    }

    /** A ClientHello in two handshake records with an alert record between them. */
    private static final class Evasions {
        static byte[] recordSplitWithAlertBetween(byte[] record) {
            byte[] message = Arrays.copyOfRange(record, 5, record.length);
            int cut = message.length / 2;
            byte[] first = record(22, Arrays.copyOfRange(message, 0, cut));
            byte[] alert = {21, 3, 3, 0, 2, 1, 0};
            byte[] second = record(22, Arrays.copyOfRange(message, cut, message.length));
            byte[] out = new byte[first.length + alert.length + second.length];
            System.arraycopy(first, 0, out, 0, first.length);
            System.arraycopy(alert, 0, out, first.length, alert.length);
            System.arraycopy(second, 0, out, first.length + alert.length, second.length);
            return out;
        }

        private static byte[] record(int type, byte[] fragment) {
            byte[] r = new byte[5 + fragment.length];
            r[0] = (byte) type;
            r[1] = 3;
            r[2] = 3;
            r[3] = (byte) (fragment.length >>> 8);
            r[4] = (byte) fragment.length;
            System.arraycopy(fragment, 0, r, 5, fragment.length);
            return r;
        }
    }
}
