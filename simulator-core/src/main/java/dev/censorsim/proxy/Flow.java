package dev.censorsim.proxy;

import dev.censorsim.classify.StreamClassification;
import dev.censorsim.classify.StreamClassifier;
import dev.censorsim.policy.Direction;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.TokenBucket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;

/**
 * One relayed TCP connection pair: its verdict, its two {@link DirectionRelay}s, and how it ends. Both channels live
 * on one event loop, so the state needs no synchronisation.
 */
final class Flow {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(Flow.class);

    private final ProxyRuntime runtime;
    private final Channel client;
    private final Channel upstream;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress serverAddress;
    private final String target;
    private final long startNanos;
    private final FlowPolicy policy;
    private final DirectionRelay up;
    private final DirectionRelay down;
    private final RelayFlowControl control;

    private ClassifyHandler classifyHandler;
    private boolean decided;
    private StreamClassification classification = StreamClassification.UNKNOWN;
    private FlowVerdict verdict = FlowVerdict.PASS;
    private String actionDescription = "pass";
    private FlowEnd end;
    private FlowEnd policyEnd;
    private String detail;
    private Direction firstEof;
    private boolean upFinished;
    private boolean downFinished;
    private int channelsClosed;
    private boolean reported;

    private Flow(ProxyRuntime runtime, Channel client, Channel upstream, String target, long startNanos,
                 FlowPolicy policy) {
        this.runtime = runtime;
        this.client = client;
        this.upstream = upstream;
        this.clientAddress = (InetSocketAddress) client.remoteAddress();
        this.serverAddress = (InetSocketAddress) upstream.remoteAddress();
        this.target = target;
        this.startNanos = startNanos;
        this.policy = policy;
        this.up = new DirectionRelay(this, Direction.UP, client, upstream);
        this.down = new DirectionRelay(this, Direction.DOWN, upstream, client);
        this.control = new RelayFlowControl(this, up, down);
    }

    /**
     * Starts relaying between a client whose front end has finished and a connected upstream.
     *
     * @param early client bytes that arrived with the front end's last message, or {@code null}; ownership passes
     */
    static void start(ProxyRuntime runtime, Channel client, Channel upstream, String target, long startNanos,
                      ByteBuf early) {
        FlowPolicy policy;
        try {
            policy = runtime.options().policy().get();
        } catch (RuntimeException e) {
            LOG.warn("policy source failed; closing flow from {}", client.remoteAddress(), e);
            if (early != null) {
                early.release();
            }
            client.close();
            upstream.close();
            return;
        }
        Flow flow = new Flow(runtime, client, upstream, target, startNanos, policy);
        client.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(flow, flow.up));
        upstream.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(flow, flow.down));
        client.closeFuture().addListener(f -> flow.channelClosed());
        upstream.closeFuture().addListener(f -> flow.channelClosed());

        if (policy.needsContent()) {
            flow.classifyHandler = new ClassifyHandler(flow, new StreamClassifier(policy.inspection()),
                    policy.inspection().maxBytes(), runtime.options().inspectionTimeout().toNanos());
            client.pipeline().addBefore(PipelineNames.RELAY, PipelineNames.CLASSIFY, flow.classifyHandler);
        } else {
            flow.decide(StreamClassification.UNKNOWN);
        }
        if (early != null) {
            client.pipeline().fireChannelRead(early);
        } else if (flow.classifyHandler != null) {
            client.read();
        } else {
            flow.up.requestRead();
        }
        flow.down.requestRead();
    }

    boolean isDecided() {
        return decided;
    }

    /** Forces the verdict now (the server spoke first); no-op when already decided. */
    void decideNow() {
        if (!decided && classifyHandler != null) {
            classifyHandler.decideNow();
        }
    }

    /** Evaluates the policy and applies the action. Called once, before any client byte is forwarded. */
    void decide(StreamClassification result) {
        if (decided) {
            return;
        }
        decided = true;
        classification = result;
        try {
            verdict = policy.evaluate(new FlowFacts(clientAddress, serverAddress, target, result));
        } catch (RuntimeException e) {
            // A broken rule must not take the data plane down; the flow passes and the log says why.
            LOG.warn("policy evaluation failed for {}; passing the flow", clientAddress, e);
            verdict = FlowVerdict.PASS;
        }
        TokenBucket linkUp = policy.linkUp();
        TokenBucket linkDown = policy.linkDown();
        if (linkUp != null) {
            control.shape(Direction.UP, linkUp);
        }
        if (linkDown != null) {
            control.shape(Direction.DOWN, linkDown);
        }
        if (!verdict.isPass()) {
            verdict.counters().flowHit();
            verdict.counters().addBytesUp(up.bytesIn());
            verdict.counters().addBytesDown(down.bytesIn());
            actionDescription = verdict.action().describe();
            try {
                verdict.action().apply(control);
            } catch (RuntimeException e) {
                LOG.warn("action {} failed for {}", actionDescription, clientAddress, e);
                failed(Direction.UP, e);
            }
        }
    }

    /** Whether client bytes held during classification may now go upstream. */
    boolean forwardsClientBytes() {
        return end == null && !up.isDropping() && client.isActive();
    }

    DirectionRelay upRelay() {
        return up;
    }

    void countBytes(Direction direction, int bytes) {
        if (!decided) {
            return;
        }
        if (direction == Direction.UP) {
            verdict.counters().addBytesUp(bytes);
        } else {
            verdict.counters().addBytesDown(bytes);
        }
    }

    void reset() {
        if (end == null) {
            end = FlowEnd.RESET;
        }
        up.close();
        down.close();
        rst(client);
        rst(upstream);
    }

    private static void rst(Channel channel) {
        if (channel.isOpen()) {
            // SO_LINGER 0 turns close() into an abortive close: the kernel sends RST and drops unsent data.
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }
    }

    void blackhole(FlowEnd why) {
        if (policyEnd == null) {
            policyEnd = why;
        }
        up.drop();
        down.drop();
    }

    void freezeReached() {
        blackhole(FlowEnd.FROZEN);
    }

    void sourceEof(Direction direction) {
        if (firstEof == null) {
            firstEof = direction;
        }
    }

    void directionFinished(Direction direction) {
        if (direction == Direction.UP) {
            upFinished = true;
        } else {
            downFinished = true;
        }
        if (upFinished && downFinished) {
            if (end == null) {
                end = firstEof == Direction.DOWN ? FlowEnd.SERVER_CLOSED : FlowEnd.CLIENT_CLOSED;
            }
            client.close();
            upstream.close();
        }
    }

    void writeFailed(Direction direction, Throwable cause) {
        failed(direction, cause);
    }

    /** An I/O error on either side closes both at once; what was queued is dropped. */
    void failed(Direction direction, Throwable cause) {
        if (end == null) {
            end = FlowEnd.ERROR;
            String side = direction == Direction.UP ? "client" : "server";
            detail = side + ": " + (cause == null ? "closed" : cause.getMessage());
        }
        up.close();
        down.close();
        client.close();
        upstream.close();
    }

    private void channelClosed() {
        channelsClosed++;
        if (channelsClosed == 1 && end == null && policyEnd == null) {
            // One side vanished without EOF: flush what was accepted toward the other side, then close it.
            if (runtime.isShuttingDown()) {
                end = FlowEnd.SHUTDOWN;
            } else {
                end = FlowEnd.ERROR;
                detail = (client.isOpen() ? "server" : "client") + ": connection closed";
            }
            Channel other = client.isOpen() ? client : upstream;
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        if (channelsClosed < 2 || reported) {
            return;
        }
        reported = true;
        // Close listeners run inside whatever closed the channel (a reset inside the verdict, say); report once that
        // has unwound, so bytes it still accounts for are in the record.
        try {
            client.eventLoop().execute(this::report);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            report();
        }
    }

    private void report() {
        up.close();
        down.close();
        if (classifyHandler != null) {
            classifyHandler.abandon();
            classifyHandler = null;
        }
        // A black-holed or frozen flow can only end by shutdown or a late error: its policy is the story to tell.
        FlowEnd how = end == FlowEnd.RESET ? FlowEnd.RESET
                : policyEnd != null ? policyEnd
                : end != null ? end
                : FlowEnd.SHUTDOWN;
        FlowRecord record = new FlowRecord(clientAddress, serverAddress,
                target, classification.serverName(), verdict.ruleName(), actionDescription, up.bytesIn(),
                down.bytesIn(), System.nanoTime() - startNanos, how, how == policyEnd ? null : detail);
        try {
            runtime.options().listener().flowEnded(record);
        } catch (RuntimeException e) {
            LOG.warn("flow listener failed", e);
        }
    }
}
