package dev.censorsim.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class SocketReadsTest {

    @Test
    void drainShouldCountEveryByteUntilTheFin() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort())) {
            client.setSoTimeout(10_000);
            try (Socket peer = listener.accept()) {
                peer.getOutputStream().write(new byte[3000]);
            }

            assertThat(SocketReads.drainUntilClosed(client)).isEqualTo(3000);
        }
    }

    @Test
    void drainShouldEndAtAResetWithWhatCameBeforeIt() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort())) {
            client.setSoTimeout(10_000);
            Socket peer = listener.accept();
            peer.setSoLinger(true, 0);
            peer.close();

            assertThat(SocketReads.drainUntilClosed(client)).isZero();
        }
    }

    @Test
    void drainShouldNotTakeASilentPeerForAClose() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
             Socket peer = listener.accept()) {
            client.setSoTimeout(200);

            assertThatThrownBy(() -> SocketReads.drainUntilClosed(client)).isInstanceOf(SocketTimeoutException.class);
            assertThat(peer.isClosed()).isFalse();
        }
    }
}
