package dev.censorsim.messenger;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectOutcomeTest {

    @Test
    void resetShouldBeFoundEvenWhenWrappedInATlsException() {
        assertThat(ConnectOutcome.classify(new SocketException("Connection reset"))).isEqualTo(ConnectOutcome.RESET);
        assertThat(ConnectOutcome.classify(new IOException("Connection reset by peer")))
                .isEqualTo(ConnectOutcome.RESET);
        assertThat(ConnectOutcome.classify(new SSLException("handshake failed",
                new SocketException("Connection reset")))).isEqualTo(ConnectOutcome.RESET);
        assertThat(ConnectOutcome.classify(new IOException("Broken pipe"))).isEqualTo(ConnectOutcome.RESET);
    }

    @Test
    void connectTimeoutShouldBeTimeoutNotRefusedAlthoughItIsAConnectException() {
        assertThat(new ConnectTimeoutException("x")).isInstanceOf(ConnectException.class);
        assertThat(ConnectOutcome.classify(new ConnectTimeoutException("connection timed out")))
                .isEqualTo(ConnectOutcome.TIMEOUT);
        assertThat(ConnectOutcome.classify(new SslHandshakeTimeoutException("handshake timed out")))
                .isEqualTo(ConnectOutcome.TIMEOUT);
    }

    @Test
    void refusedConnectShouldBeRefused() {
        assertThat(ConnectOutcome.classify(new ConnectException("Connection refused")))
                .isEqualTo(ConnectOutcome.REFUSED);
    }

    @Test
    void alertsAndEarlyClosesShouldBeOther() {
        assertThat(ConnectOutcome.classify(new DecoderException(new SSLHandshakeException("bad_certificate"))))
                .isEqualTo(ConnectOutcome.OTHER);
        assertThat(ConnectOutcome.classify(new ClosedChannelException())).isEqualTo(ConnectOutcome.OTHER);
        assertThat(ConnectOutcome.classify(new IOException((String) null))).isEqualTo(ConnectOutcome.OTHER);
    }
}
