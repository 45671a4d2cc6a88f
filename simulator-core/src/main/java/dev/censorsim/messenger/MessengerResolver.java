package dev.censorsim.messenger;

import dev.censorsim.dns.DnsLookupClient;
import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.dns.DnsLookupResult;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's stub resolver over {@link MessengerDns}: a TTL cache in front of a {@link DnsLookupClient}, and the
 * hardcoded fallback addresses behind it. Lookups never block: the DNS client answers on its own thread and completes
 * the caller's promise, whose listeners then run on the caller's event loop.
 */
final class MessengerResolver implements AutoCloseable {

    private final DnsLookupClient client;
    private final List<InetAddress> fallback;
    private final MessengerMetrics metrics;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicInteger nextFallback = new AtomicInteger();

    MessengerResolver(MessengerDns dns, MessengerMetrics metrics) {
        this.client = DnsLookupClient.open(dns.server(), dns.timeout());
        this.fallback = dns.fallback();
        this.metrics = metrics;
    }

    /**
     * The address to dial for {@code name}: a cached answer still within its TTL, a fresh answer, or (when the lookup
     * failed) the next fallback address. Fails with {@link UnknownHostException} naming the outcome when the lookup
     * failed and there is no fallback.
     */
    Future<InetAddress> resolve(EventExecutor executor, String name) {
        Promise<InetAddress> promise = executor.newPromise();
        String key = name.toLowerCase(Locale.ROOT);
        Cached cached = cache.get(key);
        if (cached != null && System.nanoTime() - cached.expiresNanos < 0) {
            return promise.setSuccess(cached.address);
        }
        client.lookup(name, DnsRecordType.A).whenComplete((result, error) -> {
            if (executor.isShuttingDown()) {
                return; // the client is closing: nobody waits for this attempt, and its loop takes no more tasks
            }
            if (error != null) { // the client completes normally by contract; this is a bug, not a censor
                promise.tryFailure(error);
                return;
            }
            answered(key, name, result, promise);
        });
        return promise;
    }

    private void answered(String key, String name, DnsLookupResult result, Promise<InetAddress> promise) {
        metrics.dnsLookedUp(result.outcome(), result.latencyNanos());
        if (result.outcome() == DnsLookupOutcome.OK && !result.addresses().isEmpty()) {
            InetAddress address = result.addresses().get(0);
            if (result.ttlSeconds() > 0) {
                cache.put(key, new Cached(address, System.nanoTime() + TimeUnit.SECONDS.toNanos(result.ttlSeconds())));
            } else {
                cache.remove(key);
            }
            promise.trySuccess(address);
            return;
        }
        // A failed answer replaces nothing: an earlier positive answer has already expired, or there would have been
        // no lookup.
        cache.remove(key);
        if (!fallback.isEmpty()) {
            metrics.dnsFallback();
            // Round robin, so a retry after a failed connect tries the next hardcoded address.
            promise.trySuccess(fallback.get(Math.floorMod(nextFallback.getAndIncrement(), fallback.size())));
            return;
        }
        long now = System.nanoTime();
        metrics.dnsUnresolved(now);
        promise.tryFailure(new UnknownHostException(name + ": " + describe(result)));
    }

    private static String describe(DnsLookupResult result) {
        return switch (result.outcome()) {
            case TIMEOUT -> "no DNS answer within the timeout";
            case OK -> "DNS answer without a usable address";
            default -> "DNS answered " + result.outcome().name();
        };
    }

    @Override
    public void close() {
        client.close();
    }

    private record Cached(InetAddress address, long expiresNanos) {
    }
}
