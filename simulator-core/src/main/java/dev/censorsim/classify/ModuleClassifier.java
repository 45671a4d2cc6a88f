package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

import java.util.Objects;

/**
 * Classifies a flow's first client packets the way one DPI module does ({@link ModuleInspection}): a reassembling
 * module feeds every packet to one {@link StreamClassifier}; a non-reassembling one parses each packet on its own,
 * so a ClientHello split over two packets names nothing to it. Either stops after its packet budget, and after a
 * first packet that names nothing and exceeds the give-up size. A read from the socket stands for a packet: the
 * proxy reads what the peer's segments delivered, one read per segment when the sender paces them.
 */
public final class ModuleClassifier {

    private final ModuleInspection settings;
    private StreamClassifier stream;
    private int packetsSeen;
    private boolean done;
    private StreamClassification result = StreamClassification.UNKNOWN;

    public ModuleClassifier(ModuleInspection settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (settings.reassemble()) {
            stream = new StreamClassifier(new InspectionSettings(true, settings.maxBytes(),
                    settings.skipOtherRecords()));
        }
    }

    /** Inspects the next client packet; does not change its indexes or retain it. True once the module is done. */
    public boolean offer(ByteBuf packet) {
        if (done) {
            return true;
        }
        if (!packet.isReadable()) {
            return false;
        }
        packetsSeen++;
        StreamClassification seen;
        if (stream != null) {
            if (stream.offer(packet)) {
                return decide(stream.result());
            }
            seen = StreamClassification.UNKNOWN;
        } else {
            StreamClassifier single = new StreamClassifier(new InspectionSettings(false,
                    settings.maxBytes(), settings.skipOtherRecords()));
            try {
                single.offer(packet);
                seen = single.finish();
            } finally {
                single.release();
            }
            if (names(seen)) {
                return decide(seen);
            }
        }
        if (packetsSeen == 1 && settings.giveUpAfterBytes() >= 0
                && packet.readableBytes() > settings.giveUpAfterBytes()) {
            return decide(StreamClassification.UNKNOWN);
        }
        if (packetsSeen >= settings.packets()) {
            return decide(stream != null ? stream.finish() : StreamClassification.UNKNOWN);
        }
        return false;
    }

    public boolean isDone() {
        return done;
    }

    /** The decision so far; UNKNOWN until one is taken. */
    public StreamClassification result() {
        return result;
    }

    /** Decides with what has been seen (EOF, timeout, the server spoke): an incomplete ClientHello names nothing. */
    public StreamClassification finish() {
        if (!done) {
            decide(stream != null ? stream.finish() : StreamClassification.UNKNOWN);
        }
        return result;
    }

    /** Frees the reassembly buffer; idempotent. */
    public void release() {
        finish();
        if (stream != null) {
            stream.release();
        }
    }

    private static boolean names(StreamClassification c) {
        return c != null && (c.serverName() != null || c.protocol() != Protocol.UNKNOWN);
    }

    private boolean decide(StreamClassification classification) {
        done = true;
        result = classification == null ? StreamClassification.UNKNOWN : classification;
        return true;
    }
}
