package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.testing.LoopbackServer;
import dev.censorsim.testing.PipelineTailWarnings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flow whose server side a rule holds (black hole, freeze) must still end when its client leaves: the idle timeout
 * (5 min by default) is for flows nobody closes, not for dead clients. Before the fix 2,000 clients that sent a
 * black-holed SNI and closed kept 4,013 descriptors for the full 300 s.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HeldFlowClientLeavesTest {

    private static final String BLOCKED = "blocked.example";

    @Test
    void blackHoledFlowShouldCloseWhenItsClientCloses() throws Exception {
        ScriptedPolicy policy = ScriptedPolicy.onContent("blackhole-sni",
                facts -> BLOCKED.equals(facts.classification().serverName()), TestActions.blackhole());
        assertReleasedAfterClientsLeave(policy, 300, false);
    }

    @Test
    void blackHoledFlowShouldCloseWhenItsClientResets() throws Exception {
        assertReleasedAfterClientsLeave(ScriptedPolicy.always(TestActions.blackhole()), 100, true);
    }

    @Test
    void frozenFlowShouldCloseWhenItsClientCloses() throws Exception {
        assertReleasedAfterClientsLeave(ScriptedPolicy.always(TestActions.freezeAfter(0)), 100, false);
    }

    @Test
    void throttledAndDelayedFlowsShouldCloseWhenTheirClientsClose() throws Exception {
        TcpAction slow = TestActions.action("slow", flow -> {
            TestActions.throttle(dev.censorsim.units.Direction.BOTH, 64_000).apply(flow);
            TestActions.delay(dev.censorsim.units.Direction.BOTH, 200, 0, 1).apply(flow);
        });
        assertReleasedAfterClientsLeave(ScriptedPolicy.always(slow), 100, false);
    }

    private static void assertReleasedAfterClientsLeave(ScriptedPolicy policy, int clients, boolean reset)
            throws Exception {
        RecordingListener records = new RecordingListener();
        long unexpectedBefore = PendingClientInput.UNEXPECTED_ERRORS.sum();
        long goneBefore = ClientFilterHandler.GONE_BEFORE_ADDRESS.sum();
        // A server that never says anything and waits for the proxy to close: what a held flow's far end looks like.
        try (PipelineTailWarnings tail = PipelineTailWarnings.capture();
             LoopbackServer silent = LoopbackServer.start(socket -> socket.getInputStream().readAllBytes());
             CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(silent.address())
                     .flowPolicy(policy.source()).listener(records).build())) {
            byte[] hello = clientHello(BLOCKED);
            for (int i = 0; i < clients; i++) {
                try (Socket s = new Socket()) {
                    s.connect(proxy.localAddress(), 2_000);
                    s.getOutputStream().write(hello);
                    s.getOutputStream().flush();
                    if (reset) {
                        s.setSoLinger(true, 0);
                    }
                }
            }
            assertThat(HostileClientTest.awaitAtMost(proxy::openChannels, 0, 15_000))
                    .as("sockets still held %d clients after they left (idle timeout is 5 min)", clients)
                    .isZero();
            // On io_uring a client that resets at once can be gone before the accept has its address: closed as
            // gone, with no flow (ClientFilterHandler). epoll's accept always has the address.
            long gone = ClientFilterHandler.GONE_BEFORE_ADDRESS.sum() - goneBefore;
            if (Transport.current() != Transport.IO_URING) {
                assertThat(gone).as("clients closed before their address was known").isZero();
            }
            for (int i = 0; i < clients - gone; i++) {
                assertThat(records.next(5_000).end()).isNotEqualTo(FlowEnd.IDLE);
            }
            assertThat(policy.hits.get()).isEqualTo(clients - gone);
            // On epoll a client that writes and resets at once is read (ECONNRESET) before its flow starts, while
            // the front end is the last handler: 100 such resets gave 100 of Netty's tail warnings.
            assertThat(tail.exceptions()).as("exceptions no handler ended").isEmpty();
            assertThat(PendingClientInput.UNEXPECTED_ERRORS.sum()).isEqualTo(unexpectedBefore);
        }
    }

    /** A real TLS 1.3 ClientHello from the JDK's engine, naming {@code sni}. */
    static byte[] clientHello(String sni) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(sni, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        if (bytes.length == 0) {
            throw new IOException("the engine produced no ClientHello");
        }
        return bytes;
    }
}
