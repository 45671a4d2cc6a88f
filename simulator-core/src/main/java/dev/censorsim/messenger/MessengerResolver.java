package dev.censorsim.messenger;

import dev.censorsim.dns.DnsLookupClient;
import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.dns.DnsLookupResult;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.channel.EventLoop;
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
 * The client's stub resolver over {@link MessengerDns}: a TTL cache in front of a {@link DnsLookupClient}, and behind
 * it, when a lookup fails, the DoH resolver (if any) and then the hardcoded fallback addresses. Only lookups at the
 * censor's resolver count in {@code dns.lookups} and its outcomes; a connect that used a DoH answer or a hardcoded
 * address counts in {@code dns.fallback}. Lookups never block: the DNS client answers on its own thread and completes
 * the caller's promise, whose listeners then run on the caller's event loop.
 */
final class MessengerResolver implements AutoCloseable {

    private final DnsLookupClient client;
    private final List<InetAddress> fallback;
    private final MessengerMetrics metrics;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicInteger nextFallback = new AtomicInteger();
    /** Set once, before the workload starts: the DoH client needs the connector, which needs this resolver. */
    private volatile DohClient doh;

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
    void doh(DohClient client) {
        this.doh = client;
    }

    Future<InetAddress> resolve(EventLoop executor, String name) {
        Promise<InetAddress> promise = executor.newPromise();
        String key = name.toLowerCase(Locale.ROOT);
        Cached cached = cache.get(key);
        if (cached != null && System.nanoTime() - cached.expiresNanos < 0) {
            if (cached.viaDoh) {
                metrics.dnsFallback(); // this connect, too, only has an address thanks to DoH
            }
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
            answered(executor, key, name, result, promise);
        });
        return promise;
    }

    private void answered(EventLoop loop, String key, String name, DnsLookupResult result,
                          Promise<InetAddress> promise) {
        metrics.dnsLookedUp(result.outcome(), result.latencyNanos());
        if (usable(result)) {
            cache(key, result, false);
            promise.trySuccess(result.addresses().get(0));
            return;
        }
        // A failed answer replaces nothing: an earlier positive answer has already expired, or there would have been
        // no lookup.
        cache.remove(key);
        DohClient resolver = doh;
        // The DoH resolver's own name is never looked up over DoH: that would need itself to reach itself.
        if (resolver != null && !name.equalsIgnoreCase(resolver.resolverName())) {
            resolver.lookup(loop, name).addListener(f -> {
                DnsLookupResult viaDoh = f.isSuccess() ? (DnsLookupResult) f.getNow() : null;
                if (viaDoh != null && usable(viaDoh)) {
                    cache(key, viaDoh, true);
                    metrics.dnsFallback();
                    promise.trySuccess(viaDoh.addresses().get(0));
                } else {
                    hardcoded(name, result, promise);
                }
            });
            return;
        }
        hardcoded(name, result, promise);
    }

    private static boolean usable(DnsLookupResult result) {
        return result.outcome() == DnsLookupOutcome.OK && !result.addresses().isEmpty();
    }

    private void cache(String key, DnsLookupResult result, boolean viaDoh) {
        if (result.ttlSeconds() > 0) {
            cache.put(key, new Cached(result.addresses().get(0),
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(result.ttlSeconds()), viaDoh));
        } else {
            cache.remove(key);
        }
    }

    /** The last resort: the next hardcoded address, or the lookup's failure. */
    private void hardcoded(String name, DnsLookupResult result, Promise<InetAddress> promise) {
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

    private record Cached(InetAddress address, long expiresNanos, boolean viaDoh) {
    }
}
