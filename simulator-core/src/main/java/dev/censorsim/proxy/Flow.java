package dev.censorsim.proxy;

import dev.censorsim.classify.ModuleClassifier;
import dev.censorsim.classify.ModuleInspection;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.classify.StreamClassifier;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.action.PassAction;
import dev.censorsim.policy.action.ResidualBlock;
import dev.censorsim.policy.action.ResidualTrigger;
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
    /** The verdict came from residual state an earlier flow left, not from this flow's bytes. */
    private boolean fromResidual;
    /** The verdict came from the 4-tuple's kept state: an earlier connection on the same 4-tuple took it. */
    private boolean inheritedState;
    /** This flow's entry in the 4-tuple state table, or null while its verdict keeps no state. */
    private FlowStateTable.State state;
    private ScheduledFuture<?> stateTimer;
    /** Initiated from outside the policy's {@code inside:}: relayed uninspected, never re-evaluated. */
    private boolean outside;
    /** Each module's classification of the client's first bytes, or null: every module sees {@link #facts}. */
    private StreamClassification[] moduleClassifications;
    /** Why the next verdict change happens, for the flow log; null for a policy swap. */
    private String changeReason;
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
        FlowStateTable.State kept = runtime.flowState().lookup(flow.clientAddress, flow.serverAddress,
                System.nanoTime());
        boolean outside = kept == null && !policy.isInside(flow.clientAddress.getAddress());
        boolean holding = kept == null && !outside && policy.needsContent();
        if (kept != null) {
            flow.inherit(kept);
        } else if (outside) {
            flow.passUninspected();
        } else if (holding) {
            List<ModuleInspection> modules = policy.modules();
            ModuleClassifier[] moduleClassifiers = new ModuleClassifier[modules.size()];
            int holdBytes = policy.inspection().maxBytes();
            for (int i = 0; i < moduleClassifiers.length; i++) {
                moduleClassifiers[i] = new ModuleClassifier(modules.get(i));
                holdBytes = Math.max(holdBytes, modules.get(i).maxBytes());
            }
            flow.classifyHandler = ClassifyHandler.holding(flow, new StreamClassifier(policy.inspection()),
                    moduleClassifiers, holdBytes, inspectionNanos);
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

    /**
     * A new connection on a 4-tuple whose state the box still holds: it gets the kept verdict at once, without being
     * inspected, as a DPI box that looks the 4-tuple up before it looks at the bytes.
     */
    private void inherit(FlowStateTable.State kept) {
        decided = true;
        inheritedState = true;
        classification = StreamClassification.UNKNOWN;
        facts = new FlowFacts(clientAddress, serverAddress, target, classification);
        state = kept;
        kept.touch(System.nanoTime());
        verdict = kept.verdict();
        up.setLink(policy.linkUp());
        down.setLink(policy.linkDown());
        verdict.counters().flowHit();
        applyAction();
        armIdleTimer();
    }

    /** A flow initiated from outside: the box does not look at it (the TSPU ignored such flows). */
    private void passUninspected() {
        decided = true;
        outside = true;
        facts = new FlowFacts(clientAddress, serverAddress, target, classification);
        up.setLink(policy.linkUp());
        down.setLink(policy.linkDown());
        actionDescription = "pass (initiated from outside)";
        armIdleTimer();
    }

    /**
     * The server's first chunk, before it is relayed. A box that reads the first bytes of both directions of an
     * inside-initiated flow sees a ClientHello the server sends too: Xue et al. ("Throttling Twitter", IMC 2021) triggered the
     * Twitter throttler with a ClientHello from the server side. A flow the client's own bytes left unnamed and
     * unpunished is evaluated again with the name the server's bytes carry. One chunk, no reassembly.
     */
    void serverFirstChunk(ByteBuf chunk) {
        if (!decided) {
            // The server spoke first: decide now, as a DPI box must before forwarding the server's first packet.
            decideNow();
        }
        if (!decided || outside || reported || end != null || !verdict.isPass() || !policy.needsContent()
                || classification.serverName() != null) {
            return;
        }
        StreamClassifier classifier = new StreamClassifier(policy.inspection());
        StreamClassification seen;
        try {
            classifier.offer(chunk);
            seen = classifier.isDone() ? classifier.result() : classifier.finish();
        } catch (RuntimeException malformed) {
            seen = StreamClassification.UNKNOWN;
        } finally {
            classifier.release();
        }
        if (seen == null || seen.serverName() == null) {
            return;
        }
        classification = seen;
        facts = new FlowFacts(clientAddress, serverAddress, target, seen);
        moduleClassifications = null;
        changeReason = "the server sent a ClientHello for " + seen.serverName();
        applyPolicy(policy);
        changeReason = null;
    }

    /** Client chunks an XMPP negotiation may take before its ClientHello: stream header, STARTTLS, a few stanzas. */
    private static final int STARTTLS_CHUNKS = 16;

    /**
     * The client opened a plaintext XML stream: XMPP's STARTTLS (RFC 6120 §5) negotiates in the clear, and the TLS
     * ClientHello, with its SNI, follows the server's {@code <proceed/>}. A box that follows the negotiation reads that
     * hello; the flow stays passed until then.
     */
    void watchForStartTls() {
        if (decided && !outside && end == null && verdict.isPass() && policy.needsContent()) {
            up.watchForStartTls(STARTTLS_CHUNKS);
        }
    }

    /**
     * A client chunk of a watched XML stream, before it is relayed. True once the STARTTLS ClientHello was read (the
     * watch ends): the flow is evaluated again with its name, so an {@code sni} rule catches XMPP on 5222.
     */
    boolean startTlsChunk(ByteBuf chunk) {
        if (reported || end != null || !verdict.isPass()) {
            return true;
        }
        if (chunk.getByte(chunk.readerIndex()) != 0x16) {
            return false; // still the plaintext negotiation
        }
        StreamClassifier classifier = new StreamClassifier(policy.inspection());
        StreamClassification seen;
        try {
            classifier.offer(chunk);
            seen = classifier.isDone() ? classifier.result() : classifier.finish();
        } catch (RuntimeException malformed) {
            seen = StreamClassification.UNKNOWN;
        } finally {
            classifier.release();
        }
        if (seen != null && seen.protocol() != dev.censorsim.classify.Protocol.UNKNOWN) {
            classification = seen;
            facts = new FlowFacts(clientAddress, serverAddress, target, seen);
            moduleClassifications = null;
            changeReason = "STARTTLS ClientHello" + (seen.serverName() == null ? "" : " for " + seen.serverName());
            applyPolicy(policy);
            changeReason = null;
        }
        return true;
    }

    InetSocketAddress clientAddress() {
        return clientAddress;
    }

    InetSocketAddress serverAddress() {
        return serverAddress;
    }

    EventLoop eventLoop() {
        return client.eventLoop();
    }

    /** What the flow looks like now; call on its event loop, where its state lives. */
    LiveFlow snapshot() {
        return new LiveFlow(clientAddress, serverAddress, target, classification.serverName(),
                decided ? classification.protocol().name().toLowerCase(java.util.Locale.ROOT) : null,
                verdict.ruleName(), actionDescription, up.bytesIn(), down.bytesIn(), System.nanoTime() - startNanos,
                end == FlowEnd.RESET || end == FlowEnd.IDLE || end == FlowEnd.POLICY_CLOSED ? end : null);
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
        decide(result, null);
    }

    /**
     * As {@link #decide(StreamClassification)}, with each DPI module's own classification of the same bytes
     * ({@code null} for a single-module policy).
     */
    void decide(StreamClassification result, StreamClassification[] perModule) {
        if (decided) {
            return;
        }
        moduleClassifications = perModule;
        decided = true;
        classification = result;
        facts = new FlowFacts(clientAddress, serverAddress, target, result);
        ResidualTable.Hit residualHit = runtime.residual().lookup(clientAddress.getAddress(), serverAddress,
                System.nanoTime());
        if (residualHit != null) {
            // The box remembers this server from an earlier trigger: the same verdict, whatever these bytes say.
            verdict = residualHit.verdict();
            fromResidual = true;
            detail = residualHit.block().describe() + ": " + Durations.format(residualHit.remainingNanos())
                    + " left";
        } else {
            verdict = evaluate(policy);
        }
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
            FlowVerdict v = source.evaluate(facts, moduleClassifications);
            return v == null ? FlowVerdict.PASS : v;
        } catch (RuntimeException e) {
            // A broken rule must not take the data plane down; the flow passes and the log says why.
            LOG.warn("policy evaluation failed for {}; passing the flow", clientAddress, e);
            return FlowVerdict.PASS;
        }
    }

    private void applyAction() {
        actionDescription = verdict.isPass() ? "pass" : verdict.action().describe();
        keepState();
        if (verdict.isPass()) {
            return;
        }
        if (inheritedState) {
            actionDescription = "kept " + actionDescription;
        } else if (fromResidual) {
            actionDescription = "residual " + actionDescription;
        } else if (verdict.action() instanceof ResidualTrigger trigger && trigger.residual() != null) {
            runtime.residual().trigger(clientAddress.getAddress(), serverAddress, trigger.residual(), verdict,
                    System.nanoTime());
            if (trigger.residual().flows() == ResidualBlock.Flows.ALL) {
                runtime.imposeResidual(this, clientAddress.getAddress(), serverAddress, trigger.residual().scope());
            }
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
        if (round <= generation || reported || end != null || outside) {
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

    /**
     * Puts the verdict in the 4-tuple state table when its rule has a state timeout, and watches it expire; a verdict
     * without one forgets what an earlier verdict of this flow kept.
     */
    private void keepState() {
        if (!verdict.isPass() && verdict.stateTimeoutNanos() > 0 && !fromResidual) {
            if (state == null || state.verdict() != verdict) {
                state = runtime.flowState().remember(clientAddress, serverAddress, verdict, System.nanoTime());
            }
            armStateTimer();
        } else if (state != null) {
            runtime.flowState().expire(clientAddress, serverAddress, state);
            state = null;
            cancelStateTimer();
        }
    }

    private void armStateTimer() {
        cancelStateTimer();
        if (state != null && !reported && end == null) {
            long due = Math.max(0, state.remainingNanos(System.nanoTime()));
            stateTimer = client.eventLoop().schedule(this::checkState, due, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelStateTimer() {
        if (stateTimer != null) {
            stateTimer.cancel(false);
            stateTimer = null;
        }
    }

    /**
     * The kept state went quiet for its timeout: the box forgets the 4-tuple, and the next bytes of this still open
     * connection are inspected anew. They are mid-stream, no ClientHello, so content rules no longer match and a
     * throttled flow continues at full rate; rules on ports or addresses match again. The connection stays open:
     * closing is {@code --idle-timeout}'s business, not the state table's.
     */
    private void checkState() {
        stateTimer = null;
        if (state == null || reported || end != null) {
            return;
        }
        long remaining = state.remainingNanos(System.nanoTime());
        if (remaining > 0) {
            stateTimer = client.eventLoop().schedule(this::checkState, remaining, TimeUnit.NANOSECONDS);
            return;
        }
        runtime.flowState().expire(clientAddress, serverAddress, state);
        state = null;
        classification = StreamClassification.UNKNOWN;
        facts = new FlowFacts(clientAddress, serverAddress, target, classification);
        moduleClassifications = null;
        changeReason = "state expired after " + Durations.format(verdict.stateTimeoutNanos()) + " idle";
        applyPolicy(policy);
        changeReason = null;
        if (state == null && !verdict.isPass() && verdict.stateTimeoutNanos() > 0) {
            keepState(); // the same action matched again, so applyPolicy left it in place: keep its state anew
        }
    }

    /**
     * Re-evaluates the decided flow against {@code next} and moves it to the new verdict, if it differs. A flow held by
     * residual state stays held while the state lives: the box's state outlives policy swaps.
     */
    private void applyPolicy(FlowPolicy next) {
        ResidualTable.Hit hit = fromResidual ? runtime.residual().lookup(clientAddress.getAddress(), serverAddress,
                System.nanoTime()) : null;
        moveTo(hit != null ? hit.verdict() : evaluate(next), hit != null, next);
    }

    /**
     * Residual state that catches open flows ({@code flows: all}) was just left by another flow in this flow's scope:
     * this decided flow takes the residual verdict now, whatever its bytes said. A flow still being classified looks
     * the state up when it decides. Runs on the flow's event loop.
     */
    void imposeResidual() {
        if (!decided || reported || end != null || outside || fromResidual) {
            return;
        }
        ResidualTable.Hit hit = runtime.residual().lookup(clientAddress.getAddress(), serverAddress,
                System.nanoTime());
        if (hit == null) {
            return;
        }
        detail = hit.block().describe() + " caught this open flow";
        changeReason = "residual state from another flow";
        moveTo(hit.verdict(), true, policy);
        changeReason = null;
    }

    /** Moves the decided flow to {@code next} ({@code residual}: imposed by residual state), if it differs. */
    private void moveTo(FlowVerdict next, boolean residual, FlowPolicy links) {
        FlowVerdict previous = verdict;
        String previousDescription = actionDescription;
        verdict = next;
        fromResidual = residual;
        inheritedState = false;
        up.setLink(links.linkUp());
        down.setLink(links.linkDown());
        if (!verdict.isPass()) {
            verdict.counters().flowHit();
        }
        boolean sameAction = Objects.equals(previous.action(), verdict.action());
        if (!sameAction || !Objects.equals(previous.ruleName(), verdict.ruleName())) {
            if (earlierVerdicts == null) {
                earlierVerdicts = new ArrayList<>(2);
            }
            earlierVerdicts.add((previous.isPass() ? "" : previous.ruleName() + ": ") + previousDescription
                    + " until " + (System.nanoTime() - startNanos) / 1_000_000 + "ms"
                    + (changeReason == null ? "" : " (" + changeReason + ")"));
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
        long now = System.nanoTime();
        lastRelayNanos = now;
        final FlowStateTable.State kept = state;
        if (kept != null) {
            kept.touch(now);
        }
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
        // Start the client-side watch (see DirectionRelay#drop); the read itself happens on a later loop turn.
        up.requestRead();
    }

    /**
     * A policy ends the flow politely (a {@code stall} that timed out, a {@code limit-data} reached): a FIN to each
     * side after whatever was already written, and a forced close after a grace period if a peer stopped reading.
     */
    void closeByPolicy(String why) {
        if (reported) {
            return;
        }
        if (end == null) {
            end = FlowEnd.POLICY_CLOSED;
            detail = why;
        }
        up.close();
        down.close();
        closeGracefully(client);
        closeGracefully(upstream);
        client.eventLoop().schedule(() -> {
            client.close();
            upstream.close();
        }, IDLE_CLOSE_GRACE_NANOS, TimeUnit.NANOSECONDS);
    }

    void freezeReached() {
        blackhole(FlowEnd.FROZEN);
    }

    /**
     * The client sent FIN while the flow was black-holed or frozen: closes both sides. The record keeps the policy's
     * story ({@code blackholed}, {@code frozen}) and says the client left.
     */
    void clientLeftWhileDropping() {
        if (end != null || reported) {
            return;
        }
        end = FlowEnd.CLIENT_CLOSED;
        detail = "client closed while " + (policyEnd == null ? "held" : policyEnd.wireName());
        up.close();
        down.close();
        client.close();
        upstream.close();
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

    /** A write toward {@code direction}'s sink failed: the failing socket is the server for UP, the client for DOWN. */
    void writeFailed(Direction direction, Throwable cause) {
        Direction failingSide = direction == Direction.UP ? Direction.DOWN : Direction.UP;
        if (PeerReset.isReset(cause)) {
            peerReset(failingSide, cause);
            return;
        }
        failed(failingSide, cause);
    }

    /**
     * An I/O error on either side closes both at once; what was queued is dropped. {@code direction} names the side
     * whose socket failed: UP the client's, DOWN the server's. A RST from that peer is passed on as a RST.
     */
    void failed(Direction direction, Throwable cause) {
        if (PeerReset.isReset(cause)) {
            peerReset(direction, cause);
            return;
        }
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

    /**
     * The peer on {@code side} (UP: the client, DOWN: the server) reset its connection: the other peer gets a RST too
     * (SO_LINGER 0), as it would through a box that forwards segments, instead of the clean EOF a polite close gives.
     */
    private void peerReset(Direction side, Throwable cause) {
        if (end == null) {
            end = FlowEnd.ERROR;
            String who = side == Direction.UP ? "client" : "server";
            detail = who + ": reset by peer (" + cause.getMessage() + "); RST passed on to the "
                    + (side == Direction.UP ? "server" : "client");
        }
        up.close();
        down.close();
        rst(side == Direction.UP ? upstream : client);
        rst(side == Direction.UP ? client : upstream);
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
        // The kept state stays in the table for the next connection on the 4-tuple; only this flow's watch ends.
        cancelStateTimer();
        up.close();
        down.close();
        if (classifyHandler != null) {
            classifyHandler.abandon();
            classifyHandler = null;
        }
        // A black-holed or frozen flow can only end by shutdown or a late error: its policy is the story to tell.
        FlowEnd how = end == FlowEnd.RESET || end == FlowEnd.IDLE || end == FlowEnd.POLICY_CLOSED ? end
                : policyEnd != null ? policyEnd
                : end != null ? end
                : FlowEnd.SHUTDOWN;
        FlowRecord record = new FlowRecord(clientAddress, serverAddress,
                target, classification.serverName(), verdict.ruleName(), actionDescription, up.bytesIn(),
                down.bytesIn(), System.nanoTime() - startNanos, how, how == policyEnd ? null : detail,
                earlierVerdicts == null ? List.of() : List.copyOf(earlierVerdicts),
                classification.sni() == null && classification.httpHost() != null);
        try {
            runtime.options().listener().flowEnded(record);
        } catch (RuntimeException e) {
            LOG.warn("flow listener failed", e);
        }
    }
}
