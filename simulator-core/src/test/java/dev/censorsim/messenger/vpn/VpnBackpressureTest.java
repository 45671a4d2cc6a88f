package dev.censorsim.messenger.vpn;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that stops reading stalls the app's writes through every kind of tunnel after a bounded number of bytes:
 * the UDP tunnels' go-back-N window (64 segments) is acknowledged only after the endpoint's local write succeeded, and
 * the TCP tunnels copy with blocking writes, so nothing in between queues without bound. What the app got accepted is
 * the window plus the kernel's socket buffers on the way (which loopback autotuning grows to a few MB each).
 */
@Timeout(60)
class VpnBackpressureTest {

    /** Far above the loopback socket buffers on the way (a few MB each) and far below what an unbounded queue takes. */
    private static final long BOUND_BYTES = 48L << 20;

    @ParameterizedTest
    @EnumSource(VpnKind.class)
    void stalledServerShouldStallTheAppAfterABoundedNumberOfBytes(VpnKind kind) throws Exception {
        try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             VpnEndpoint endpoint = VpnEndpoint.start(kind, (InetSocketAddress) stalled.getLocalSocketAddress(),
                     "www.example.test");
             VpnClient client = VpnClient.start(VpnRoute.to(endpoint.address(), endpoint, "www.example.test"));
             Socket app = new Socket()) {
            app.connect(client.entry(), 2_000);
            // The writer starts first: the TCP tunnels reach the server only once the app has sent something.
            AtomicLong accepted = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                new java.util.SplittableRandom(kind.ordinal()).nextBytes(chunk);
                try {
                    OutputStream out = app.getOutputStream();
                    while (accepted.get() < 4 * BOUND_BYTES) {
                        out.write(chunk);
                        accepted.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // Closed at the end of the test.
                }
            }, "stalled-writer");
            writer.setDaemon(true);
            writer.start();
            stalled.setSoTimeout(20_000);
            try (Socket server = stalled.accept()) {
                // The server holds its connection open and never reads.
                // An unbounded queue would take the app's 64 KB writes at memory speed: 192 MB in well under a second.
                Thread.sleep(5_000);
                assertThat(accepted.get()).as("%s: bytes the app got accepted in 5 s against a stalled server",
                        kind.wireName()).isLessThan(BOUND_BYTES);
                assertThat(writer.isAlive()).as("the writer is blocked, not finished").isTrue();
            }
        }
    }
}
