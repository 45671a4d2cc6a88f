package dev.censorsim.transparent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of every kernel object one interception creates, all derived from the JVM's pid and a per-JVM sequence
 * number, so a later run can tell its own leftovers (a dead pid) from another live run's objects and from anything
 * else on the machine. Interface names are limited to 15 bytes, and nft identifiers take no '-', hence the shapes:
 * <ul>
 *   <li>network namespace {@code censorsim-PID-SEQ}, with {@code /etc/netns/censorsim-PID-SEQ/resolv.conf}</li>
 *   <li>veth pair {@code csPID-SEQh} (host side) and {@code csPID-SEQn} (namespace side)</li>
 *   <li>nftables table {@code inet censorsim_PID_SEQ}</li>
 *   <li>firewall mark and routing table {@code 0x40000000 | PID << 8 | SEQ} (pid_max is at most 2^22), with an
 *       {@code ip rule} and an {@code ip -6 rule} {@code fwmark M lookup M}</li>
 * </ul>
 *
 * @param pid the owning JVM's pid
 * @param seq the interception's number within that JVM, 0..255
 */
record InterceptionId(long pid, int seq) {

    static final String NAMESPACE_PREFIX = "censorsim-";
    static final long TABLE_BASE = 0x4000_0000L;
    private static final long MAX_PID = 1L << 22;

    static final Pattern NAMESPACE = Pattern.compile("censorsim-(\\d+)-(\\d+)");
    static final Pattern LINK = Pattern.compile("cs(\\d+)-(\\d+)[hn]");
    static final Pattern NFT_TABLE = Pattern.compile("censorsim_(\\d+)_(\\d+)");

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** Interceptions of this JVM that are open right now: never swept. */
    private static final Set<InterceptionId> LIVE = ConcurrentHashMap.newKeySet();

    InterceptionId {
        if (pid <= 0 || pid >= MAX_PID) {
            throw new IllegalArgumentException("pid out of range: " + pid);
        }
        if (seq < 0 || seq > 255) {
            throw new IllegalArgumentException("seq out of range: " + seq);
        }
    }

    /** A fresh id for this JVM, registered as live until {@link #release()}. */
    static InterceptionId next() {
        for (int attempt = 0; attempt < 256; attempt++) {
            InterceptionId id = new InterceptionId(ProcessHandle.current().pid(), SEQUENCE.getAndIncrement() & 0xff);
            if (LIVE.add(id)) {
                return id;
            }
        }
        throw new IllegalStateException("256 interceptions open in one JVM");
    }

    void release() {
        LIVE.remove(this);
    }

    /** Whether an object with this id may be swept: its JVM is gone, or it is this JVM's and no longer open. */
    boolean isStale() {
        if (pid == ProcessHandle.current().pid()) {
            return !LIVE.contains(this);
        }
        return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    String namespace() {
        return NAMESPACE_PREFIX + pid + "-" + seq;
    }

    String hostLink() {
        return "cs" + pid + "-" + seq + "h";
    }

    String namespaceLink() {
        return "cs" + pid + "-" + seq + "n";
    }

    String nftTable() {
        return "censorsim_" + pid + "_" + seq;
    }

    /** The firewall mark and the routing table number (the same value). */
    long mark() {
        return TABLE_BASE | pid << 8 | seq;
    }

    /** The id an object name carries, or {@code null} when the name is not one of ours. */
    static InterceptionId parse(Pattern pattern, String name) {
        Matcher m = pattern.matcher(name);
        if (!m.matches()) {
            return null;
        }
        try {
            return new InterceptionId(Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The id a routing table or mark number belongs to, or {@code null} outside our range. */
    static InterceptionId fromTable(long table) {
        if (table < TABLE_BASE || table >= 2 * TABLE_BASE) {
            return null;
        }
        long pid = (table >> 8) & (MAX_PID - 1);
        return pid == 0 ? null : new InterceptionId(pid, (int) (table & 0xff));
    }
}
