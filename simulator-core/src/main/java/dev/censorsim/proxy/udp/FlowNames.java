package dev.censorsim.proxy.udp;

import dev.censorsim.classify.StreamClassification;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.proxy.FlowPolicy;
import dev.censorsim.proxy.FlowVerdict;
import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.TokenBucket;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Which host names each client recently used over TLS, so that a UDP flow can be tied to the service whose signalling
 * set it up: a WhatsApp call's media goes to a bare IP, but the same client has just sent {@code g.whatsapp.net} in a
 * ClientHello. The TCP proxy feeds it (wrap its policy with {@link #recording}); the UDP relay reads it when it
 * evaluates a flow, and the names become what the flow's {@code sni} and {@code domain} match keys see.
 *
 * <p>Keyed by client IP address only (the call's UDP source port has nothing to do with the TLS one). A name expires
 * {@code ttl} after it was last seen; each client keeps its {@value #MAX_NAMES_PER_CLIENT} most recent names, and at
 * most {@value #MAX_CLIENTS} clients are tracked, so memory stays bounded whatever the traffic. Thread-safe: the TCP
 * proxy's event loops write while the UDP relay's reads.
 */
public final class FlowNames {

    /** The 2021 throttler kept its per-flow state about ten minutes after the last packet. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    static final int MAX_NAMES_PER_CLIENT = 16;
    static final int MAX_CLIENTS = 65_536;

    private final ConcurrentHashMap<InetAddress, Recent> clients = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final LongSupplier clock;

    /** Names expire {@link #DEFAULT_TTL} after they were last seen. */
    public FlowNames() {
        this(DEFAULT_TTL, System::nanoTime);
    }

    /**
     * @param ttl   how long a name stays tied to its client after it was last seen
     * @param clock nanosecond clock, {@link System#nanoTime()} outside tests
     */
    public FlowNames(Duration ttl, LongSupplier clock) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be > 0, was " + ttl);
        }
        this.ttlNanos = ttl.toNanos();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Notes that {@code client} just used {@code name} (a TLS SNI or HTTP Host). Ignores a null name. */
    public void record(InetAddress client, String name) {
        if (client == null || name == null || name.isEmpty()) {
            return;
        }
        long now = clock.getAsLong();
        Recent recent = clients.get(client);
        if (recent == null) {
            if (clients.size() >= MAX_CLIENTS) {
                evictExpired(now);
                if (clients.size() >= MAX_CLIENTS) {
                    return;
                }
            }
            recent = clients.computeIfAbsent(client, c -> new Recent());
        }
        recent.add(name, now);
    }

    /** The names {@code client} used within the ttl, most recent first; empty when none. */
    public List<String> recent(InetAddress client) {
        Recent recent = client == null ? null : clients.get(client);
        return recent == null ? List.of() : recent.snapshot(clock.getAsLong() - ttlNanos);
    }

    /** Clients with at least one name recorded (expired ones included until the next eviction). */
    public int clients() {
        return clients.size();
    }

    private void evictExpired(long now) {
        long oldest = now - ttlNanos;
        clients.entrySet().removeIf(e -> e.getValue().snapshot(oldest).isEmpty());
    }

    /**
     * Wraps the TCP proxy's policy so each classified flow's server name is recorded for its client. The proxy only
     * classifies when the policy needs content, so the wrapper says it does: with names being collected, every TCP
     * flow's first bytes are inspected, even under a policy with no name rules.
     */
    public Supplier<FlowPolicy> recording(Supplier<FlowPolicy> policies) {
        Objects.requireNonNull(policies, "policies");
        return () -> new Recording(policies.get(), this);
    }

    /** The decorator {@link #recording} hands to each new TCP flow. */
    private record Recording(FlowPolicy policy, FlowNames names) implements FlowPolicy {

        @Override
        public InspectionSettings inspection() {
            return policy.inspection();
        }

        @Override
        public boolean needsContent() {
            return true;
        }

        @Override
        public TokenBucket linkUp() {
            return policy.linkUp();
        }

        @Override
        public TokenBucket linkDown() {
            return policy.linkDown();
        }

        @Override
        public FlowVerdict evaluate(FlowFacts facts) {
            StreamClassification c = facts.classification();
            names.record(facts.client().getAddress(), c.serverName());
            return policy.evaluate(facts);
        }
    }

    /** One client's most recent names with their last-seen times, newest first; guarded by its own monitor. */
    private static final class Recent {
        private final String[] names = new String[MAX_NAMES_PER_CLIENT];
        private final long[] seen = new long[MAX_NAMES_PER_CLIENT];
        private int size;

        synchronized void add(String name, long now) {
            int at = 0;
            while (at < size && !names[at].equalsIgnoreCase(name)) {
                at++;
            }
            if (at == size) {
                at = Math.min(size, MAX_NAMES_PER_CLIENT - 1);
                size = Math.min(size + 1, MAX_NAMES_PER_CLIENT);
            }
            System.arraycopy(names, 0, names, 1, at);
            System.arraycopy(seen, 0, seen, 1, at);
            names[0] = name;
            seen[0] = now;
        }

        synchronized List<String> snapshot(long oldestNanos) {
            List<String> out = new ArrayList<>(size);
            for (int i = 0; i < size && seen[i] - oldestNanos >= 0; i++) {
                out.add(names[i]);
            }
            return out;
        }
    }
}
