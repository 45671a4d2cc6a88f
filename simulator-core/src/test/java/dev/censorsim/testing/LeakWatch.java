package dev.censorsim.testing;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counts the buffer leaks Netty's detector reports (the build runs tests with {@code leakDetection.level=paranoid},
 * so every buffer is tracked). The detector reports a leak only when a later allocation polls its reference queue
 * after a GC, which {@link #assertNoLeaks()} forces.
 */
public final class LeakWatch {

    private static final AtomicInteger LEAKS = new AtomicInteger();

    static {
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) field.get(null);
            detector.setLeakListener((resourceType, records) -> LEAKS.incrementAndGet());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LeakWatch() {
    }

    /** Starts listening; call before the code under test allocates. */
    public static void install() {
        assertThat(ResourceLeakDetector.getLevel()).as("tests run with paranoid leak detection")
                .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }

    public static void assertNoLeaks() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 64; i++) {
                PooledByteBufAllocator.DEFAULT.buffer(16).release();
            }
        }
        assertThat(LEAKS.get()).as("buffers Netty's paranoid leak detector reported as leaked").isZero();
    }
}
