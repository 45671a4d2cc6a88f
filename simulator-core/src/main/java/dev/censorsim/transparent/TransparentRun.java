package dev.censorsim.transparent;

import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.dns.Zone;
import dev.censorsim.proxy.LiveFlow;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code censorsim run}: a network namespace whose every TCP and UDP flow, IPv4 and IPv6, goes through censorsim's
 * transparent listeners and the same policy engine as the proxy and the UDP relay, with censorsim's DNS server as
 * its resolver; and the command run inside it.
 *
 * <pre>{@code
 * try (TransparentRun run = TransparentRun.start(options)) {
 *     int exit = run.execute(List.of("curl", "https://blocked.test/"), null, null);
 * }
 * }</pre>
 *
 * <p>Needs root (CAP_NET_ADMIN), {@code ip} (iproute2), {@code nft} (nftables), {@code setpriv} (util-linux) and the
 * epoll transport. {@link #close()} kills what still runs inside and removes every kernel object made; a run killed
 * before it could is swept by the next one.
 *
 * <p>A caller that must be able to tear down from a shutdown hook while set-up is still under way (a SIGTERM in the
 * second or so it takes) uses {@link #prepare} and registers the hook before {@link #open()}.
 */
public final class TransparentRun implements AutoCloseable {

    private static final int DNS_PORT = 53;
    private static final long DESTROY_GRACE_MILLIS = 2_000;

    private final TransparentRunOptions options;
    /** Guarded by {@code this} while set-up runs; {@code null} until {@link #open()} has picked the names. */
    private NamespaceInterception namespace;
    /** Guarded by {@code this}: {@link #close()} may run on a shutdown hook while {@link #open()} adds to it. */
    private final List<AutoCloseable> services = new ArrayList<>();
    private final List<TransparentListeners> listeners = new ArrayList<>();
    private Process process;
    private boolean opened;
    private boolean closed;

    private TransparentRun(TransparentRunOptions options) {
        this.options = options;
    }

    /**
     * Fails, saying what is missing and what to run instead, unless this process can set up interception (root,
     * iproute2, nftables, util-linux); for a caller that wants to know before it opens files or ports.
     */
    public static void checkRequirements() throws InterceptionUnavailableException {
        try {
            NamespaceInterception.requireTools();
        } catch (InterceptionUnavailableException e) {
            throw e;
        } catch (IOException e) {
            throw new InterceptionUnavailableException(e.getMessage());
        }
    }

    /**
     * Sweeps leftovers of crashed runs, creates the namespace, starts the DNS servers and the transparent listeners,
     * and turns interception on. Everything made is removed again when a step fails.
     *
     * @throws IOException naming what is missing (root, a tool) or which step failed
     */
    public static TransparentRun start(TransparentRunOptions options) throws IOException {
        TransparentRun run = prepare(options);
        run.open();
        return run;
    }

    /**
     * A run that has made nothing yet, for {@link #open()}. {@link #close()} may be called on it from any thread at any
     * time, before, during or after {@link #open()}.
     */
    public static TransparentRun prepare(TransparentRunOptions options) {
        return new TransparentRun(options);
    }

    /**
     * Does what {@link #start} describes. A {@link #close()} from another thread meanwhile (a shutdown hook) waits
     * for the {@code ip} or {@code nft} process of a step in progress, then removes everything made so far; the next
     * step then fails instead of making more, so nothing appears after the teardown. Everything made is removed again
     * when a step fails.
     *
     * @throws IOException naming what is missing (root, a tool) or which step failed, or saying the run was closed
     */
    public void open() throws IOException {
        synchronized (this) {
            if (opened) {
                throw new IllegalStateException("already opened");
            }
            opened = true;
        }
        try {
            NamespaceInterception allocated = NamespaceInterception.allocate();
            boolean closedMeanwhile;
            synchronized (this) {
                closedMeanwhile = closed;
                if (!closed) {
                    namespace = allocated;
                }
            }
            if (closedMeanwhile) {
                allocated.close();
                throw new IOException("set-up stopped: the run was closed");
            }
            allocated.createLink(options.hosts().size());
            startServices(allocated);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startServices(NamespaceInterception made) throws IOException {
        Subnet subnet = made.subnet();
        HostRoute route = new HostRoute();
        DnsServerOptions.Builder dns = DnsServerOptions.builder().policy(options.policy())
                .upstream(options.dnsUpstream()).queryListener(options.dnsListener());
        options.zones().forEach(dns::zone);
        for (int i = 0; i < options.hosts().size(); i++) {
            String name = options.hosts().get(i);
            route.add(stripDot(name), subnet.serverV4(i), subnet.serverV6(i));
            dns.zone(Zone.builder(name).a(name, NamespaceInterception.ip(subnet.serverV4(i)))
                    .aaaa(name, NamespaceInterception.ip(subnet.serverV6(i))).build());
        }
        TransparentListeners.Settings settings = new TransparentListeners.Settings(route,
                List.copyOf(subnet.clientCidrs()), options.policy(), options.tcpListener(), options.udpListener(),
                options.idleTimeout(), options.udpIdleTimeout(), options.capture(), options.loopMark());
        InetSocketAddress[] tcp = new InetSocketAddress[2];
        InetSocketAddress[] udp = new InetSocketAddress[2];
        InetAddress[] sides = {subnet.hostV4(), subnet.hostV6()};
        for (int family = 0; family < 2; family++) {
            register(DnsServer.start(dns.listen(new InetSocketAddress(sides[family], DNS_PORT)).build()));
            TransparentListeners listeners = TransparentListeners.start(sides[family], settings);
            register(listeners);
            synchronized (this) {
                this.listeners.add(listeners);
            }
            tcp[family] = listeners.tcpAddress();
            udp[family] = listeners.udpAddress();
        }
        made.intercept(tcp[0], udp[0], tcp[1], udp[1]);
    }

    /** Keeps {@code service} for {@link #close()}, or closes it at once when the run was closed while it started. */
    private void register(AutoCloseable service) throws IOException {
        synchronized (this) {
            if (!closed) {
                services.add(service);
                return;
            }
        }
        try {
            service.close();
        } catch (Exception ignored) {
            // stopping anyway
        }
        throw new IOException("set-up stopped: the run was closed");
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * The live TCP flows of both address families, each read on its listener's event loop; for a control API's flow
     * list. Callable from any thread.
     */
    public CompletableFuture<List<LiveFlow>> liveFlows() {
        List<CompletableFuture<List<LiveFlow>>> parts = listeners.stream().map(TransparentListeners::tcpFlows)
                .toList();
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<LiveFlow> all = new ArrayList<>();
            parts.forEach(part -> all.addAll(part.join()));
            return all;
        });
    }

    /** TCP flows relaying now, both address families. */
    public int liveFlowCount() {
        int count = 0;
        for (TransparentListeners family : listeners) {
            count += family.liveTcpFlows();
        }
        return count;
    }

    /** The network namespace's name, for {@code ip netns exec}. */
    public String namespaceName() {
        return namespace.id().namespace();
    }

    /** The address the namespace's resolv.conf names (IPv4), where censorsim's DNS server answers. */
    public InetAddress dnsAddress() {
        return namespace.subnet().hostV4();
    }

    /** The made-up IPv4 address the {@code i}-th {@code --host} name resolves to inside. */
    public InetAddress hostAddress(int i) {
        return namespace.subnet().serverV4(i);
    }

    /**
     * As {@link #execute(List, OutputStream, OutputStream, Object)}, for a caller that writes nothing of its own to
     * {@code out} and {@code err} while the command runs.
     */
    public int execute(List<String> command, OutputStream out, OutputStream err)
            throws IOException, InterruptedException {
        return execute(command, out, err, new Object());
    }

    /**
     * Runs {@code command} inside the namespace as {@link TransparentRunOptions#runAs()}, and returns its exit code.
     * stdin is inherited; stdout and stderr go to {@code out} and {@code err} byte for byte, a batch of whole lines at
     * a time, or are inherited when those are {@code null} (a terminal stays a terminal). The command is killed if
     * censorsim dies (parent-death signal). Run as another user, it gets that user's {@code HOME}, {@code USER},
     * {@code LOGNAME} and {@code SHELL} and no {@code SUDO_*}; it never gets {@code CENSORSIM_API_TOKEN}.
     *
     * @param lock held while a batch of the command's output is written and flushed; a caller that writes its own
     *             lines to the same destinations (censorsim's flow log) takes it too and flushes before letting it go,
     *             so that neither lands inside a line of the other
     */
    public int execute(List<String> command, OutputStream out, OutputStream err, Object lock)
            throws IOException, InterruptedException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command to run");
        }
        List<String> full = new ArrayList<>(namespace.execPrefix());
        full.add("setpriv");
        RunAs runAs = options.runAs();
        String passwdEntry = null;
        if (!runAs.isCurrent()) {
            full.add("--reuid=" + runAs.uid());
            full.add("--regid=" + runAs.gid());
            // --init-groups needs a passwd entry for the uid; a bare uid gets no supplementary groups.
            Commands.Result entry = Commands.tryRun("getent", "passwd", Long.toString(runAs.uid()));
            passwdEntry = entry.ok() ? entry.stdout().lines().findFirst().orElse(null) : null;
            full.add(passwdEntry != null ? "--init-groups" : "--clear-groups");
        }
        full.add("--pdeathsig=KILL");
        full.add("--");
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.INHERIT);
        CommandEnvironment.prepare(builder.environment(), runAs, passwdEntry);
        builder.redirectOutput(out == null ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
        builder.redirectError(err == null ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
        Process started;
        synchronized (this) {
            if (closed) {
                throw new IOException("the run was closed");
            }
            started = builder.start();
            process = started;
        }
        Thread outPump = out == null ? null : pump(started.getInputStream(), out, lock, "stdout");
        Thread errPump = err == null ? null : pump(started.getErrorStream(), err, lock, "stderr");
        try {
            int code = started.waitFor();
            if (outPump != null) {
                outPump.join(DESTROY_GRACE_MILLIS);
            }
            if (errPump != null) {
                errPump.join(DESTROY_GRACE_MILLIS);
            }
            return code;
        } catch (InterruptedException e) {
            destroy(started);
            throw e;
        }
    }

    private static Thread pump(InputStream from, OutputStream to, Object lock, String name) {
        Thread thread = new Thread(new LinePump(from, to, lock), "censorsim-run-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Kills the command if it still runs, stops the listeners and DNS servers, and removes the namespace, the veth
     * pair, the nftables table, the rules and the routes. Idempotent; safe from a shutdown hook.
     */
    @Override
    public void close() {
        Process running;
        List<AutoCloseable> started;
        NamespaceInterception made;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = process;
            started = List.copyOf(services);
            made = namespace;
        }
        if (running != null) {
            destroy(running);
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception ignored) {
                // stopping anyway; the namespace teardown below does not depend on it
            }
        }
        if (made != null) {
            made.close(); // waits for a set-up step in progress on another thread, then undoes it with the rest
        }
    }

    /** Errors met while tearing down (empty when all went); for a warning after {@link #close()}. */
    public List<String> teardownErrors() {
        NamespaceInterception made;
        synchronized (this) {
            made = namespace;
        }
        return made == null ? List.of() : made.teardownErrors();
    }

    private static void destroy(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(DESTROY_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(DESTROY_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
