package dev.censorsim.proxy;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads behind {@link NameResolver#jvm()}: {@code InetAddress.getByName} blocks, so it never runs on an event
 * loop. Created on first use and shared by every proxy in the JVM; idle threads exit, so nothing lingers.
 */
final class JvmResolverPool {

    /** Concurrent blocking lookups; more would only queue inside the OS resolver. */
    private static final int THREADS = 4;

    static final NameResolver RESOLVER = NameResolver.jvm(pool());

    private JvmResolverPool() {
    }

    private static Executor pool() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("censorsim-resolver", true));
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
