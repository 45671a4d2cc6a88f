package dev.censorsim.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Turns the host name of a SOCKS5 CONNECT (ATYP 3) into the address the proxy connects to. Called on an event loop,
 * so it must not block: it returns at once and completes the stage later, from any thread. A stage that fails (an
 * {@link UnknownHostException} by convention) or yields {@code null} gets the client SOCKS reply 4, host unreachable.
 * The name itself stays the flow's {@code target}, matchable by policies whatever address it resolved to.
 *
 * <p>The answer is a socket address so a scenario can map a synthetic name to a loopback server on any port:
 * {@code staticMap(Map.of("g.whatsapp.net", new InetSocketAddress("127.0.0.1", 18443)))}.
 */
@FunctionalInterface
public interface NameResolver {

    /**
     * Resolves {@code host}, which the client asked to reach on {@code port}.
     *
     * @param host a host name as the client sent it (not an IP literal)
     * @param port the port the client asked for
     * @return the resolved address to connect to; never an unresolved {@link InetSocketAddress}
     */
    CompletionStage<InetSocketAddress> resolve(String host, int port);

    /** The JVM's resolver ({@link InetAddress#getByName}), run on a small shared pool of daemon threads. */
    static NameResolver jvm() {
        return JvmResolverPool.RESOLVER;
    }

    /** The JVM's resolver run on {@code executor}, for callers that manage their own threads. */
    static NameResolver jvm(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return (host, port) -> CompletableFuture.supplyAsync(() -> {
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, executor);
    }

    /**
     * Answers from a fixed table and fails every other name. Keys match case-insensitively and ignore one trailing
     * dot, as DNS does; a value with port 0 keeps the port the client asked for.
     */
    static NameResolver staticMap(Map<String, InetSocketAddress> table) {
        Map<String, InetSocketAddress> copy = new HashMap<>();
        table.forEach((name, address) -> {
            Objects.requireNonNull(address, "address of " + name);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("static entry " + name + " must be a resolved address");
            }
            copy.put(canonical(name), address);
        });
        return (host, port) -> {
            InetSocketAddress hit = copy.get(canonical(host));
            if (hit == null) {
                return CompletableFuture.failedFuture(new UnknownHostException(host + ": not in the static table"));
            }
            return CompletableFuture.completedFuture(
                    hit.getPort() == 0 ? new InetSocketAddress(hit.getAddress(), port) : hit);
        };
    }

    /** Tries this resolver, and {@code fallback} for names it cannot resolve. */
    default NameResolver orElse(NameResolver fallback) {
        Objects.requireNonNull(fallback, "fallback");
        return (host, port) -> resolve(host, port).handle((address, failure) -> {
            if (failure == null && address != null) {
                return CompletableFuture.completedFuture(address);
            }
            return fallback.resolve(host, port);
        }).thenCompose(stage -> stage);
    }

    private static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
