package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/** Temporary stand-in; replaced by the classify branch. */
public final class StreamClassifier {
    public StreamClassifier(InspectionSettings settings) {
    }

    public boolean offer(ByteBuf chunk) {
        return false;
    }

    public boolean isDone() {
        return false;
    }

    public StreamClassification result() {
        return StreamClassification.UNKNOWN;
    }

    public StreamClassification finish() {
        return StreamClassification.UNKNOWN;
    }

    public void release() {
    }
}
