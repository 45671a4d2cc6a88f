package dev.censorsim.proxy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.udp.SocksUdpSettings;
import dev.censorsim.proxy.udp.UdpFlowListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.socksx.SocksPortUnificationServerHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the SOCKS front end's handshake: bytes from a hostile client go through the pipeline the proxy
 * builds for a SOCKS connection (handshake deadline, SOCKS4/5 detection and decoders, {@link SocksFrontendHandler}) in
 * an {@link EmbeddedChannel}. The contract: no exception reaches the end of the pipeline, nothing is passed on past the
 * front end, every input buffer is released once the channel is closed, every byte written back is a SOCKS reply, and
 * a client that sends its FIN is answered by a close.
 *
 * <p>Input layout: byte 0 steers the harness (bits 0-5: chunk size minus one, the bytes arrive in chunks of 1-64;
 * bit 6: the client is on loopback rather than remote; bit 7: the client half-closes after its last byte); the rest
 * is what the client sends. Seeds: {@code SocksHandshakeFuzzTestInputs/socksHandshake/}.
 *
 * <p>No packet leaves: the upstream and UDP ASSOCIATE sockets the handler opens cannot register with the embedded
 * event loop, so every connect fails before any system call, and names resolve through a static table.
 */
class SocksHandshakeFuzzTest {

    private static final InetSocketAddress LISTEN = new InetSocketAddress("127.0.0.1", 1080);
    private static final InetSocketAddress LOOPBACK_CLIENT = new InetSocketAddress("127.0.0.1", 40_000);
    /** TEST-NET-2 (RFC 5737): a remote client, for the loopback-target rule. */
    private static final InetSocketAddress REMOTE_CLIENT = new InetSocketAddress("198.51.100.7", 40_000);
    private static final ProxyOptions OPTIONS = ProxyOptions.socks()
            .listen(LISTEN)
            .resolver(NameResolver.staticMap(Map.of("fuzz.example", new InetSocketAddress("192.0.2.1", 443))))
            .udpAssociate(new SocksUdpSettings(new PolicyHolder(CompiledPolicy.empty()), UdpFlowListener.NOOP,
                    Duration.ofSeconds(30), null))
            .build();
    /**
     * The runtime's open channels. An upstream socket here fails registration at once (a NIO channel on the embedded
     * loop: "incompatible event loop type"); Netty then closes it forcibly without completing its close future, so
     * the group, which drops a channel when that future completes, would keep every one: 773,418 of them and a full
     * heap after ~7.3 M executions in the first long run. Checked closed and cleared after each input.
     */
    private static final ChannelGroup CHANNELS = new DefaultChannelGroup("fuzz", GlobalEventExecutor.INSTANCE);
    private static final ProxyRuntime RUNTIME = new ProxyRuntime(OPTIONS, CHANNELS);

    /**
     * Netty logs, and otherwise swallows, an exception thrown by a future's listener (the handler's connect and
     * resolve callbacks are listeners): captured here so that it fails the input like any other escaped exception.
     */
    private static final List<LogRecord> LISTENER_FAILURES = new ArrayList<>();

    static {
        RUNTIME.listening(LISTEN);
        Logger.getLogger("io.netty.util.concurrent.DefaultPromise").addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getThrown() != null) {
                    synchronized (LISTENER_FAILURES) {
                        LISTENER_FAILURES.add(record);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void socksHandshake(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        int chunk = (input[0] & 0x3f) + 1;
        boolean loopbackClient = (input[0] & 0x40) != 0;
        boolean halfClose = (input[0] & 0x80) != 0;
        long unexpectedBefore = SocksFrontendHandler.UNEXPECTED_ERRORS.sum();
        SocketClient channel = new SocketClient(loopbackClient ? LOOPBACK_CLIENT : REMOTE_CLIENT);
        channel.pipeline().addLast(PipelineNames.HANDSHAKE_TIMEOUT,
                new HandshakeTimeoutHandler(OPTIONS.handshakeTimeout().toNanos()));
        channel.pipeline().addLast(PipelineNames.SOCKS_DETECT, new SocksPortUnificationServerHandler());
        channel.pipeline().addLast(PipelineNames.FRONTEND, new SocksFrontendHandler(RUNTIME));
        // Registered once the pipeline is complete, so channelActive reaches every handler, as on an accept.
        channel.register();

        List<ByteBuf> sent = new ArrayList<>();
        for (int at = 1; at < input.length && channel.isOpen(); at += chunk) {
            ByteBuf bytes = Unpooled.copiedBuffer(input, at, Math.min(chunk, input.length - at));
            sent.add(bytes);
            channel.writeInbound(bytes);
            channel.runPendingTasks();
        }
        if (halfClose && channel.isOpen()) {
            channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            channel.runPendingTasks();
            assertThat(channel.isOpen()).as("a client's FIN during the handshake closes the connection").isFalse();
        }
        channel.checkException();
        assertThat((Object) channel.readInbound()).as("nothing is passed on past the front end").isNull();
        for (Object reply; (reply = channel.readOutbound()) != null; ) {
            try {
                assertThat(reply).isInstanceOf(ByteBuf.class);
                ByteBuf bytes = (ByteBuf) reply;
                // SOCKS5 replies start with VER 5; a SOCKS4 reply with VN 0 (RFC 1928 §6, SOCKS4 protocol).
                assertThat((int) bytes.getByte(bytes.readerIndex())).as("reply version").isIn(0, 5);
            } finally {
                ReferenceCountUtil.release(reply);
            }
        }
        channel.close();
        channel.runPendingTasks();
        channel.finishAndReleaseAll();
        for (ByteBuf bytes : sent) {
            assertThat(bytes.refCnt()).as("input buffers are released once the channel is closed").isZero();
        }
        synchronized (LISTENER_FAILURES) {
            List<Throwable> thrown = LISTENER_FAILURES.stream().map(LogRecord::getThrown).toList();
            LISTENER_FAILURES.clear();
            assertThat(thrown).as("exceptions thrown by the handler's future listeners").isEmpty();
        }
        assertThat(List.copyOf(CHANNELS)).as("upstream sockets still open after the client's connection closed")
                .noneMatch(Channel::isOpen);
        CHANNELS.clear();
        // The handler's own exceptionCaught closes on anything; what is neither I/O nor malformed input is a bug.
        assertThat(SocksFrontendHandler.UNEXPECTED_ERRORS.sum()).as("unexpected exceptions in the SOCKS front end")
                .isEqualTo(unexpectedBefore);
    }

    /** An embedded channel with socket addresses, as the handler sees on a real accepted connection. */
    private static final class SocketClient extends EmbeddedChannel {

        private final InetSocketAddress remote;

        SocketClient(InetSocketAddress remote) {
            super(false, false);
            this.remote = remote;
        }

        @Override
        protected SocketAddress localAddress0() {
            return isActive() ? LISTEN : null;
        }

        /** Also once closed, as a socket channel's cached address is (the proxy reads it on accept). */
        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }
    }
}
