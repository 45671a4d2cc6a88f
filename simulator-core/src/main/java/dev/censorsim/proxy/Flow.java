package dev.censorsim.proxy;

import dev.censorsim.classify.StreamClassification;
import dev.censorsim.classify.StreamClassifier;
import dev.censorsim.policy.Direction;
import dev.censorsim.policy.Durations;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.action.PassAction;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One relayed TCP connection pair: its verdict, its two {@link DirectionRelay}s, and how it ends. Both channels live
 * on one event loop, so the state needs no synchronisation; a re-evaluation after a policy swap is handed to that
 * loop too.
 *
 * <p>A verdict is taken once, when the flow is classified, and again on each {@link #reevaluate} with the same
 * classification facts. A changed verdict undoes the previous action's mechanics and applies the new one from now on;
 * an unchanged one keeps its state (bucket levels, freeze count), while its bytes count on the new rule's counters.
 */
final class Flow {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(Flow.class);
    /** How long an idle close waits for already-written bytes to drain before closing regardless. */
    private static final long IDLE_CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ProxyRuntime runtime;
    private final Channel client;
    private final Channel upstream;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress serverAddress;
    private final String target;
    private final long startNanos;
    private FlowPolicy policy;
    private final DirectionRelay up;
    private final DirectionRelay down;
    private final RelayFlowControl control;

    private ClassifyHandler classifyHandler;
    private boolean decided;
    private long generation;
    private FlowFacts facts;
    /** The policy the flow started with; a verdict from it did not need the content, later ones may. */
    private final FlowPolicy startPolicy;
    /** Earlier verdicts, oldest first, for the flow log; null until a re-evaluation changed the verdict. */
    private List<String> earlierVerdicts;
    private long lastRelayNanos;
    private long idleTimeoutNanos;
    private ScheduledFuture<?> idleTimer;
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
        this.startPolicy = policy;
        this.up = new DirectionRelay(this, Direction.UP, client, upstream);
        this.down = new DirectionRelay(this, Direction.DOWN, upstream, client);
        this.control = new RelayFlowControl(this, up, down);
        this.lastRelayNanos = System.nanoTime();
    }

    /**
     * Starts relaying between a client whose front end has finished and a connected upstream.
     *
     * @param early client bytes that arrived with the front end's last message, or {@code null}; ownership passes
     */
    static void start(ProxyRuntime runtime, Channel client, Channel upstream, String target, long startNanos,
                      ByteBuf early) {
        // Read the generation before the policy: a swap in between then shows up as a newer generation below.
        long generation = runtime.policyGeneration();
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
        flow.generation = generation;
        runtime.register(flow);
        client.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(flow, flow.up));
        upstream.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(flow, flow.down));
        client.closeFuture().addListener(f -> flow.channelClosed());
        upstream.closeFuture().addListener(f -> flow.channelClosed());

        long inspectionNanos = runtime.options().inspectionTimeout().toNanos();
        boolean holding = policy.needsContent();
        if (holding) {
            flow.classifyHandler = ClassifyHandler.holding(flow, new StreamClassifier(policy.inspection()),
                    policy.inspection().maxBytes(), inspectionNanos);
            client.pipeline().addBefore(PipelineNames.RELAY, PipelineNames.CLASSIFY, flow.classifyHandler);
        } else {
            flow.decide(StreamClassification.UNKNOWN);
            if (runtime.options().reevaluateOnSwap() && flow.end == null) {
                // Nothing to wait for now, but a later policy may match on the SNI: learn it without holding bytes.
                flow.classifyHandler = ClassifyHandler.observing(flow, new StreamClassifier(policy.inspection()),
                        policy.inspection().maxBytes(), inspectionNanos);
                client.pipeline().addBefore(PipelineNames.RELAY, PipelineNames.CLASSIFY, flow.classifyHandler);
            }
        }
        if (early != null) {
            client.pipeline().fireChannelRead(early);
        } else if (holding) {
            Reads.request(client);
        } else {
            flow.up.requestRead();
        }
        flow.down.requestRead();
        long latest = runtime.policyGeneration();
        if (latest != generation) {
            // A re-evaluation round was handed out before this flow registered and may have missed it.
            flow.reevaluate(latest);
        }
    }

    EventLoop eventLoop() {
        return client.eventLoop();
    }

    boolean isDecided() {
        return decided;
    }

    /**
     * The classification of a flow decided at connect time, learnt on the way through. Kept for re-evaluation and the
     * flow log; if a swap since brought a policy that looks at content, the flow is re-evaluated on it now.
     */
    void observed(StreamClassification result) {
        classifyHandler = null;
        if (reported || end != null) {
            return;
        }
        classification = result;
        facts = new FlowFacts(clientAddress, serverAddress, target, result);
        if (policy.needsContent() && policy != startPolicy) {
            applyPolicy(policy);
        }
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
        facts = new FlowFacts(clientAddress, serverAddress, target, result);
        verdict = evaluate(policy);
        up.setLink(policy.linkUp());
        down.setLink(policy.linkDown());
        if (!verdict.isPass()) {
            verdict.counters().flowHit();
            verdict.counters().addBytesUp(up.bytesIn());
            verdict.counters().addBytesDown(down.bytesIn());
            applyAction();
        }
        armIdleTimer();
    }

    private FlowVerdict evaluate(FlowPolicy source) {
        try {
            FlowVerdict v = source.evaluate(facts);
            return v == null ? FlowVerdict.PASS : v;
        } catch (RuntimeException e) {
            // A broken rule must not take the data plane down; the flow passes and the log says why.
            LOG.warn("policy evaluation failed for {}; passing the flow", clientAddress, e);
            return FlowVerdict.PASS;
        }
    }

    private void applyAction() {
        actionDescription = verdict.isPass() ? "pass" : verdict.action().describe();
        if (verdict.isPass()) {
            return;
        }
        try {
            verdict.action().apply(control);
        } catch (RuntimeException e) {
            LOG.warn("action {} failed for {}", actionDescription, clientAddress, e);
            failed(Direction.UP, e);
        }
    }

    /**
     * Re-reads the policy source after a swap and re-evaluates this flow with its original classification facts.
     * Runs on the flow's event loop. {@code round} is the generation the swap published; rounds this flow has
     * already seen, and a source that answers with the same policy, change nothing. A flow still being classified
     * only switches the policy its coming verdict will use.
     */
    void reevaluate(long round) {
        if (round <= generation || reported || end != null) {
            return;
        }
        generation = runtime.policyGeneration();
        FlowPolicy next;
        try {
            next = runtime.options().policy().get();
        } catch (RuntimeException e) {
            LOG.warn("policy source failed; flow from {} keeps its verdict", clientAddress, e);
            return;
        }
        if (next == null || next.equals(policy)) {
            return;
        }
        policy = next;
        if (!decided) {
            return;
        }
        applyPolicy(next);
    }

    /** Re-evaluates the decided flow against {@code next} and moves it to the new verdict, if it differs. */
    private void applyPolicy(FlowPolicy next) {
        FlowVerdict previous = verdict;
        String previousDescription = actionDescription;
        verdict = evaluate(next);
        up.setLink(next.linkUp());
        down.setLink(next.linkDown());
        if (!verdict.isPass()) {
            verdict.counters().flowHit();
        }
        boolean sameAction = Objects.equals(previous.action(), verdict.action());
        if (!sameAction || !Objects.equals(previous.ruleName(), verdict.ruleName())) {
            if (earlierVerdicts == null) {
                earlierVerdicts = new ArrayList<>(2);
            }
            earlierVerdicts.add((previous.isPass() ? "" : previous.ruleName() + ": ") + previousDescription
                    + " until " + (System.nanoTime() - startNanos) / 1_000_000 + "ms");
        }
        if (!sameAction) {
            policyEnd = null;
            up.clearAction();
            down.clearAction();
            applyAction();
            // A verdict change is the box touching the flow: the idle clock of the new verdict starts now.
            lastRelayNanos = System.nanoTime();
        }
        if (end == null) {
            up.endChange();
            down.endChange();
            armIdleTimer();
        }
    }

    /** A chunk was accepted for relaying (or a delayed one written): the flow is not idle. */
    void relayed() {
        lastRelayNanos = System.nanoTime();
    }

    /** Flows a rule acted on use {@code idleTimeout}; others (no rule, or a {@code pass} rule) the pass one. */
    private void armIdleTimer() {
        boolean censored = !verdict.isPass() && !(verdict.action() instanceof PassAction);
        ProxyOptions options = runtime.options();
        idleTimeoutNanos = (censored ? options.idleTimeout() : options.passIdleTimeout()).toNanos();
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        if (idleTimeoutNanos > 0 && !reported && end == null) {
            long due = Math.max(0, idleTimeoutNanos - (System.nanoTime() - lastRelayNanos));
            idleTimer = client.eventLoop().schedule(this::checkIdle, due, TimeUnit.NANOSECONDS);
        }
    }

    /** One timer per flow, pushed back by the activity seen since it was set (as Netty's IdleStateHandler does). */
    private void checkIdle() {
        idleTimer = null;
        if (reported || end != null || idleTimeoutNanos <= 0) {
            return;
        }
        long idleFor = System.nanoTime() - lastRelayNanos;
        if (idleFor < idleTimeoutNanos) {
            idleTimer = client.eventLoop().schedule(this::checkIdle, idleTimeoutNanos - idleFor,
                    TimeUnit.NANOSECONDS);
            return;
        }
        end = FlowEnd.IDLE;
        detail = "nothing relayed for " + Durations.format(idleFor)
                + (policyEnd != null ? " while " + policyEnd.wireName() : "");
        up.close();
        down.close();
        // A FIN to each side after whatever was already written, as a box that expires the flow politely. A peer that
        // stopped reading would hold that write forever, so the close is forced after a grace period.
        closeGracefully(client);
        closeGracefully(upstream);
        client.eventLoop().schedule(() -> {
            client.close();
            upstream.close();
        }, IDLE_CLOSE_GRACE_NANOS, TimeUnit.NANOSECONDS);
    }

    private static void closeGracefully(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
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
        runtime.unregister(this);
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        up.close();
        down.close();
        if (classifyHandler != null) {
            classifyHandler.abandon();
            classifyHandler = null;
        }
        // A black-holed or frozen flow can only end by shutdown or a late error: its policy is the story to tell.
        FlowEnd how = end == FlowEnd.RESET || end == FlowEnd.IDLE ? end
                : policyEnd != null ? policyEnd
                : end != null ? end
                : FlowEnd.SHUTDOWN;
        FlowRecord record = new FlowRecord(clientAddress, serverAddress,
                target, classification.serverName(), verdict.ruleName(), actionDescription, up.bytesIn(),
                down.bytesIn(), System.nanoTime() - startNanos, how, how == policyEnd ? null : detail,
                earlierVerdicts == null ? List.of() : List.copyOf(earlierVerdicts));
        try {
            runtime.options().listener().flowEnded(record);
        } catch (RuntimeException e) {
            LOG.warn("flow listener failed", e);
        }
    }
}
