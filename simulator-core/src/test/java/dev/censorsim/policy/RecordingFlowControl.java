package dev.censorsim.policy;

import dev.censorsim.units.Direction;
import java.util.ArrayList;
import java.util.List;

/** A {@link TcpFlowControl} that records what an action asked for, for tests of actions and verdicts. */
public final class RecordingFlowControl implements TcpFlowControl {

    /** One {@link #shape} call. */
    public record Shape(Direction direction, TokenBucket bucket) {
    }

    /** One {@link #delay} call. */
    public record Delay(Direction direction, long delayNanos, long jitterNanos, long seed) {
    }

    public final List<String> calls = new ArrayList<>();
    public final List<Shape> shapes = new ArrayList<>();
    public final List<Delay> delays = new ArrayList<>();
    public long freezeAfter = -1;
    /** The Toxiproxy-style mechanisms, one line each: {@code "limitData down 100"}. */
    public final List<String> toxics = new ArrayList<>();

    @Override
    public void reset() {
        calls.add("reset");
    }

    @Override
    public void blackhole() {
        calls.add("blackhole");
    }

    @Override
    public void freezeAfter(long downstreamBytes) {
        calls.add("freezeAfter");
        freezeAfter = downstreamBytes;
    }

    @Override
    public void shape(Direction direction, TokenBucket bucket) {
        calls.add("shape");
        shapes.add(new Shape(direction, bucket));
    }

    @Override
    public void delay(Direction direction, long delayNanos, long jitterNanos, long seed) {
        calls.add("delay");
        delays.add(new Delay(direction, delayNanos, jitterNanos, seed));
    }

    @Override
    public void slowClose(Direction direction, long delayNanos) {
        calls.add("slowClose");
        toxics.add("slowClose " + direction.wireName() + " " + delayNanos);
    }

    @Override
    public void stall(Direction direction, long closeAfterNanos) {
        calls.add("stall");
        toxics.add("stall " + direction.wireName() + " " + closeAfterNanos);
    }

    @Override
    public void resetOnData(Direction direction, long afterNanos) {
        calls.add("resetOnData");
        toxics.add("resetOnData " + direction.wireName() + " " + afterNanos);
    }

    @Override
    public void slice(Direction direction, int averageBytes, int variationBytes, long delayNanos, long seed) {
        calls.add("slice");
        toxics.add("slice " + direction.wireName() + " " + averageBytes + " " + variationBytes + " " + delayNanos);
    }

    @Override
    public void limitData(Direction direction, long bytes) {
        calls.add("limitData");
        toxics.add("limitData " + direction.wireName() + " " + bytes);
    }

    /** The bucket shaped on {@code direction}; fails unless exactly one was. */
    public TokenBucket bucket(Direction direction) {
        List<TokenBucket> found = shapes.stream().filter(s -> s.direction() == direction).map(Shape::bucket).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one bucket on " + direction + ", got " + found);
        }
        return found.get(0);
    }
}
