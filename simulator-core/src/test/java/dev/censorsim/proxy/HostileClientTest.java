package dev.censorsim.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients that misbehave on purpose (scanners, half-open greetings): the proxy must not hold their sockets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileClientTest {

    @Test
    void socksShouldReleaseClientsThatCloseBeforeTheGreeting() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build())) {
            for (int i = 0; i < 200; i++) {
                // A port scan or a health check: connect, send nothing, close.
                try (Socket s = new Socket()) {
                    s.connect(proxy.localAddress(), 2_000);
                }
            }
            assertThat(awaitAtMost(proxy::openChannels, 0, 10_000))
                    .as("sockets the proxy still holds after 200 bare connect-and-close clients")
                    .isZero();
        }
    }

    @Test
    void socksShouldReleaseClientsThatCloseHalfwayThroughTheGreeting() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build())) {
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket()) {
                    s.connect(proxy.localAddress(), 2_000);
                    // Version 5, two methods announced, one sent: the decoder waits for more.
                    s.getOutputStream().write(new byte[] {5, 2, 0});
                    s.getOutputStream().flush();
                    s.shutdownOutput();
                }
            }
            assertThat(awaitAtMost(proxy::openChannels, 0, 10_000)).isZero();
        }
    }

    /** Polls until {@code value} is at most {@code bound} or the time is up; returns the last value seen. */
    static int awaitAtMost(IntSupplier value, int bound, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        int v = value.getAsInt();
        while (v > bound && System.nanoTime() < deadline) {
            Thread.sleep(50);
            v = value.getAsInt();
        }
        return v;
    }
}
