package dev.censorsim.proxy;

import dev.censorsim.classify.ModuleClassifier;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.classify.StreamClassifier;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds the first client bytes of a flow while the {@link StreamClassifier} inspects them, as a DPI box does before
 * it lets the first data packet through. Decides when the classifier is done, when {@code maxBytes} are held, on
 * client EOF, when the server speaks first, or after the inspection timeout; then forwards the held bytes (unless the
 * action dropped the flow) and removes itself. Malformed input is the classifier's "unknown", never an exception.
 *
 * <p>In {@linkplain #observing observing} mode (the policy did not need content, so the verdict was taken at connect
 * time) it holds nothing: each chunk goes on at once, and the classification is only recorded on the flow, so a later
 * policy swap can re-evaluate the flow on its real SNI. The relay drives reading in that mode.
 */
final class ClassifyHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ClassifyHandler.class);

    private final Flow flow;
    private final StreamClassifier classifier;
    /** One classifier per {@code modules:} entry, each with its module's settings; empty for one module. */
    private final ModuleClassifier[] modules;
    private final int maxBytes;
    private final long timeoutNanos;
    private final boolean holding;
    private ChannelHandlerContext ctx;
    private ByteBuf held;
    private ScheduledFuture<?> timer;
    private boolean decided;
    private boolean cleanedUp;
    /** The client's first byte, or -1 before any: '<' opens an XMPP stream whose STARTTLS hello comes later. */
    private int firstByte = -1;

    private ClassifyHandler(Flow flow, StreamClassifier classifier, int maxBytes, long timeoutNanos, boolean holding) {
        this(flow, classifier, new ModuleClassifier[0], maxBytes, timeoutNanos, holding);
    }

    private ClassifyHandler(Flow flow, StreamClassifier classifier, ModuleClassifier[] modules, int maxBytes,
                            long timeoutNanos, boolean holding) {
        this.flow = flow;
        this.classifier = classifier;
        this.modules = modules;
        this.maxBytes = maxBytes;
        this.timeoutNanos = timeoutNanos;
        this.holding = holding;
    }

    /** Holds client bytes until the verdict, which {@link Flow#decide} takes with the classification. */
    static ClassifyHandler holding(Flow flow, StreamClassifier classifier, int maxBytes, long timeoutNanos) {
        return new ClassifyHandler(flow, classifier, maxBytes, timeoutNanos, true);
    }

    /**
     * Holds client bytes until the top-level classifier and every module's are done (or {@code maxBytes}, EOF, the
     * server speaking, the timeout); {@link Flow#decide(StreamClassification, StreamClassification[])} gets each
     * module's classification. A box forwards while a module keeps looking and acts late; holding instead gives the
     * same verdict before the first byte goes on, bounded by the modules' packet budgets and the timeout.
     */
    static ClassifyHandler holding(Flow flow, StreamClassifier classifier, ModuleClassifier[] modules, int maxBytes,
                                   long timeoutNanos) {
        return new ClassifyHandler(flow, classifier, modules, maxBytes, timeoutNanos, true);
    }

    /** Classifies bytes on their way through for a flow already decided; reports to {@link Flow#observed}. */
    static ClassifyHandler observing(Flow flow, StreamClassifier classifier, int maxBytes, long timeoutNanos) {
        return new ClassifyHandler(flow, classifier, maxBytes, timeoutNanos, false);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        timer = ctx.executor().schedule(this::decideNow, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        abandon();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof ByteBuf chunk)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (firstByte < 0 && chunk.isReadable()) {
            firstByte = chunk.getUnsignedByte(chunk.readerIndex());
        }
        boolean done;
        try {
            done = classifier.offer(chunk);
        } catch (RuntimeException e) {
            LOG.debug("classifier threw on malformed input; treating the flow as unknown", e);
            done = true;
        }
        for (ModuleClassifier module : modules) {
            try {
                done &= module.offer(chunk);
            } catch (RuntimeException e) {
                LOG.debug("module classifier threw on malformed input; treating the flow as unknown", e);
                module.finish();
            }
        }
        if (!holding) {
            boolean enough = done || classifier.bytesInspected() >= maxBytes;
            ctx.fireChannelRead(chunk);
            if (enough) {
                decideNow();
            }
            return;
        }
        hold(chunk);
        if (done || held.readableBytes() >= maxBytes) {
            decideNow();
        } else {
            Reads.request(ctx);
        }
    }

    private void hold(ByteBuf chunk) {
        if (held == null) {
            held = chunk;
            return;
        }
        try {
            if (held.writableBytes() < chunk.readableBytes()) {
                ByteBuf bigger = ctx.alloc().buffer(held.readableBytes() + chunk.readableBytes());
                bigger.writeBytes(held);
                held.release();
                held = bigger;
            }
            held.writeBytes(chunk);
        } finally {
            chunk.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && !decided) {
            decideNow();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
    }

    /** Takes the verdict with what has been seen so far, forwards or drops the held bytes, and steps aside. */
    void decideNow() {
        if (decided || cleanedUp) {
            return;
        }
        decided = true;
        cancelTimer();
        StreamClassification result;
        try {
            result = classifier.isDone() ? classifier.result() : classifier.finish();
        } catch (RuntimeException e) {
            LOG.debug("classifier failed; treating the flow as unknown", e);
            result = StreamClassification.UNKNOWN;
        }
        classifier.release();
        StreamClassification[] perModule = null;
        if (modules.length > 0) {
            perModule = new StreamClassification[modules.length];
            for (int i = 0; i < modules.length; i++) {
                try {
                    perModule[i] = modules[i].isDone() ? modules[i].result() : modules[i].finish();
                } catch (RuntimeException e) {
                    perModule[i] = StreamClassification.UNKNOWN;
                }
                modules[i].release();
            }
        }
        if (!holding) {
            flow.observed(result == null ? StreamClassification.UNKNOWN : result);
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            return;
        }
        flow.decide(result == null ? StreamClassification.UNKNOWN : result, perModule);
        if (firstByte == '<') {
            // An XML stream (XMPP on 5222): its TLS ClientHello follows the plaintext STARTTLS negotiation.
            flow.watchForStartTls();
        }
        ByteBuf bytes = held;
        held = null;
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
        if (bytes == null) {
            flow.upRelay().requestRead();
        } else if (flow.forwardsClientBytes()) {
            ctx.fireChannelRead(bytes);
        } else {
            flow.upRelay().countUnrelayed(bytes.readableBytes());
            bytes.release();
            // A black hole keeps reading and releasing; a reset relay is closed and ignores this.
            flow.upRelay().requestRead();
        }
    }

    /** Releases the held bytes and the classifier; the flow is gone. Idempotent. */
    void abandon() {
        if (cleanedUp) {
            return;
        }
        cleanedUp = true;
        cancelTimer();
        if (held != null) {
            flow.upRelay().countUnrelayed(held.readableBytes());
            ReferenceCountUtil.safeRelease(held);
            held = null;
        }
        if (!decided) {
            classifier.release();
            for (ModuleClassifier module : modules) {
                module.release();
            }
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
