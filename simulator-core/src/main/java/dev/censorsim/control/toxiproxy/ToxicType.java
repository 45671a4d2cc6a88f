package dev.censorsim.control.toxiproxy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.action.DelayAction;
import dev.censorsim.policy.action.LimitDataAction;
import dev.censorsim.policy.action.ResetPeerAction;
import dev.censorsim.policy.action.SlicerAction;
import dev.censorsim.policy.action.SlowCloseAction;
import dev.censorsim.policy.action.StallAction;
import dev.censorsim.policy.action.ThrottleAction;
import dev.censorsim.policy.action.ThrottleScope;

import java.util.List;
import java.util.Map;

/**
 * Toxiproxy's seven toxic types, their attribute names (all integers, default 0, as in {@code toxics/*.go}) and the
 * censorsim action each maps onto. Attribute values Toxiproxy would treat as "no effect" (a zero rate, a zero latency)
 * map to no action at all.
 */
enum ToxicType {

    /** {@code latency} ms plus or minus {@code jitter} ms per chunk: the {@code delay} action. */
    LATENCY("latency", "latency", "jitter") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            long latency = Math.max(0, a.get("latency"));
            long jitter = Math.max(0, a.get("jitter"));
            if (latency == 0 && jitter == 0) {
                return null;
            }
            // Toxiproxy draws latency + uniform(-jitter, +jitter) and treats a negative sleep as none; the delay
            // action draws delay + uniform(0, jitter'), so the same range is delay = latency - jitter (at least 1 ns),
            // jitter' = the rest of latency + jitter.
            long low = Math.max(1, millisToNanos(latency - jitter));
            long high = millisToNanos(latency + jitter);
            return new DelayAction(low, Math.max(0, high - low), Direction.BOTH, seed);
        }
    },
    /** {@code rate} KB/s (1 KB = 1000 bytes): the {@code throttle} action, one bucket per connection. */
    BANDWIDTH("bandwidth", "rate") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            long rate = a.get("rate");
            if (rate <= 0) {
                return null; // Toxiproxy passes data unthrottled at rate 0
            }
            long bytesPerSecond = rate > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : rate * 1000;
            return ThrottleAction.of(bytesPerSecond, Direction.BOTH, ThrottleScope.FLOW);
        }
    },
    /** {@code delay} ms before the close: the {@code slow-close} action. */
    SLOW_CLOSE("slow_close", "delay") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            long delay = a.get("delay");
            return delay <= 0 ? null : new SlowCloseAction(millisToNanos(delay));
        }
    },
    /** No data, then a close after {@code timeout} ms (0: never): the {@code stall} action. */
    TIMEOUT("timeout", "timeout") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            return new StallAction(millisToNanos(Math.max(0, a.get("timeout"))));
        }
    },
    /** An RST {@code timeout} ms after the next data: the {@code reset-peer} action. */
    RESET_PEER("reset_peer", "timeout") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            return new ResetPeerAction(millisToNanos(Math.max(0, a.get("timeout"))));
        }
    },
    /** Segments of {@code average_size} ± {@code size_variation} bytes, {@code delay} µs apart: the {@code slicer}. */
    SLICER("slicer", "average_size", "size_variation", "delay") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            long average = Math.min(a.get("average_size"), 1 << 20);
            if (average <= 0) {
                return null; // Toxiproxy's slicer never terminates on an average of 0; here it slices nothing
            }
            // Toxiproxy requires variation < average and misbehaves otherwise; clamp into the valid range.
            long variation = Math.max(0, Math.min(a.get("size_variation"), average - 1));
            long delayNanos = toNanos(Math.max(0, a.get("delay")), 1_000L);
            return new SlicerAction((int) average, (int) variation, delayNanos, seed);
        }
    },
    /** Close after {@code bytes} bytes: the {@code limit-data} action. */
    LIMIT_DATA("limit_data", "bytes") {
        @Override
        TcpAction action(Map<String, Long> a, long seed) {
            return new LimitDataAction(Math.max(0, a.get("bytes")));
        }
    };

    private final String wireName;
    private final List<String> attributes;

    ToxicType(String wireName, String... attributes) {
        this.wireName = wireName;
        this.attributes = List.of(attributes);
    }

    /** Toxiproxy's {@code type} name. */
    String wireName() {
        return wireName;
    }

    /** The attribute names, in Toxiproxy's JSON order. */
    List<String> attributes() {
        return attributes;
    }

    /** The censorsim action for these attributes (one per {@link #attributes()} name), or null for no effect. */
    abstract TcpAction action(Map<String, Long> attributes, long seed);

    static ToxicType byWireName(String name) {
        for (ToxicType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    private static long millisToNanos(long millis) {
        return toNanos(millis, 1_000_000L);
    }

    /** {@code amount} units of {@code nanosPerUnit} each, saturating at {@code Long.MAX_VALUE}. */
    private static long toNanos(long amount, long nanosPerUnit) {
        return amount >= Long.MAX_VALUE / nanosPerUnit ? Long.MAX_VALUE : amount * nanosPerUnit;
    }
}
