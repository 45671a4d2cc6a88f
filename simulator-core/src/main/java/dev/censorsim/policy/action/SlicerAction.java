package dev.censorsim.policy.action;

import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code slicer}: cut the stream into small segments, each written on its own, {@code delayNanos} apart (Toxiproxy's
 * {@code slicer}): the receiver sees many short reads, the way a parser that assumes one read is one message breaks.
 *
 * @param averageBytes   mean segment size; at least 1
 * @param variationBytes segments vary by up to this much either way; below {@code averageBytes}
 * @param delayNanos     pause after each segment; 0 for none (each is still flushed on its own)
 * @param seed           makes the segment sizes replayable
 */
public record SlicerAction(int averageBytes, int variationBytes, long delayNanos, long seed) implements TcpAction {

    public static final String TYPE = "slicer";

    public SlicerAction {
        if (averageBytes < 1) {
            throw new IllegalArgumentException("averageBytes must be >= 1, was " + averageBytes);
        }
        if (variationBytes < 0 || variationBytes >= averageBytes) {
            throw new IllegalArgumentException("variationBytes must be within [0, averageBytes), was " + variationBytes);
        }
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos must be >= 0, was " + delayNanos);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.slice(Direction.BOTH, averageBytes, variationBytes, delayNanos, seed);
    }

    @Override
    public String describe() {
        return "slicer " + averageBytes + (variationBytes > 0 ? "±" + variationBytes : "") + " B"
                + (delayNanos > 0 ? " every " + Durations.format(delayNanos) : "");
    }
}
