package dev.censorsim.junit;

import dev.censorsim.control.FlowView;
import dev.censorsim.dns.Zone;
import dev.censorsim.dns.ZoneException;
import dev.censorsim.dns.ZoneFileLoader;
import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An in-process censor for JUnit 5 tests: SOCKS5, an HTTP CONNECT proxy and DNS on loopback, all on one live policy.
 *
 * <pre>{@code
 * @RegisterExtension
 * static CensorExtension censor = CensorExtension.builder().policy(Path.of("policy.yaml"))
 *         .zone(Path.of("lab.zone")).build();
 *
 * @Test
 * void appShouldSurviveAnSniReset() {
 *     HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(censor.httpProxyAddress())).build();
 *     censor.apply("rules: [{name: r, match: {sni: [api.example.test]}, action: {type: reset}}]");
 *     ...
 * }
 * }</pre>
 *
 * <p>In a {@code static} field the censor starts once for the class and each test starts on the builder's policy;
 * in an instance field it starts and stops around every test. When a test fails, what the censor did during it (the
 * policy in force and every flow that ended: names, rule, action, bytes, how it ended) is published as a report entry
 * ({@code censorsim}) and printed to standard error, so the CI log explains the failure.
 */
public final class CensorExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final Builder settings;
    /** Ended flows with the time each started, so a test lists only the flows it made. */
    private final List<Ended> testFlows = new ArrayList<>();
    private volatile long testStartNanos = System.nanoTime();
    private Lab lab;
    private boolean perClass;

    private CensorExtension(Builder settings) {
        this.settings = settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        lab = start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (lab == null) {
            lab = start();
        } else {
            // Each test starts from the builder's policy, whatever the previous one applied.
            lab.apply(settings.policy, settings.policySource);
        }
        synchronized (testFlows) {
            testFlows.clear();
        }
        testStartNanos = System.nanoTime();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (context.getExecutionException().isPresent() && lab != null) {
                String report = report(context.getDisplayName());
                context.publishReportEntry("censorsim", report);
                System.err.println(report);
            }
        } finally {
            if (!perClass) {
                stop();
            }
        }
    }

    private Lab start() throws IOException {
        LabOptions options = new LabOptions()
                .policy(settings.policy, settings.policySource, settings.policyText)
                .socks(LabOptions.loopback(0))
                .httpProxy(LabOptions.loopback(0))
                .ioThreads(1)
                .flowListener((front, record) -> {
                    synchronized (testFlows) {
                        testFlows.add(new Ended(System.nanoTime() - record.durationNanos(),
                                FlowView.ended(front, record)));
                    }
                });
        if (settings.dns) {
            options.dns(LabOptions.loopback(0));
        }
        if (settings.api) {
            options.api(LabOptions.loopback(0));
        }
        settings.zones.forEach(options::zone);
        settings.phases.forEach(options::phase);
        return Lab.start(options);
    }

    private void stop() {
        if (lab != null) {
            lab.close();
            lab = null;
        }
    }

    private Lab lab() {
        if (lab == null) {
            throw new IllegalStateException("the censor runs only while a test runs (register the extension with "
                    + "@RegisterExtension)");
        }
        return lab;
    }

    /** The SOCKS5 proxy (CONNECT, UDP ASSOCIATE): {@code ProxySelector}, {@code -DsocksProxyHost}, curl. */
    public InetSocketAddress socksAddress() {
        return lab().socksAddress();
    }

    /** The HTTP CONNECT proxy: {@code HttpClient.newBuilder().proxy(ProxySelector.of(address))}. */
    public InetSocketAddress httpProxyAddress() {
        return lab().httpProxyAddress();
    }

    /** The DNS server (UDP and TCP) serving the builder's zones with the policy's DNS rules. */
    public InetSocketAddress dnsAddress() {
        InetSocketAddress address = lab().dnsAddress();
        if (address == null) {
            throw new IllegalStateException("DNS is off: build with .dns(true) or give a zone");
        }
        return address;
    }

    /** The control API, when the builder turned it on ({@code api(true)}); {@code null} otherwise. */
    public InetSocketAddress apiAddress() {
        return lab().apiAddress();
    }

    /**
     * Swaps in a policy given as YAML text; live flows are re-evaluated.
     *
     * @throws IllegalArgumentException with {@code policy:line:col: ...} when it does not compile
     */
    public void apply(String policyYaml) {
        try {
            lab().applyPolicy(policyYaml, "policy");
        } catch (PolicyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Swaps in a policy file. */
    public void apply(Path policyFile) {
        try {
            lab().reload(policyFile);
        } catch (PolicyException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Swaps in a compiled policy. */
    public void apply(CompiledPolicy policy) {
        lab().apply(policy, "test");
    }

    /** Switches to a policy named with {@link Builder#phase}. */
    public void phase(String name) {
        lab().phase(name);
    }

    /**
     * Flows the current test made: those that ended, then those still live. A flow an earlier test opened (a pooled
     * keep-alive connection, say) is left out even while this test uses it.
     */
    public List<FlowView> flows() {
        long start = testStartNanos;
        long now = System.nanoTime();
        // Live flows first, then the ended ones: a flow that ends between the two looks is then seen twice (kept once,
        // as ended) rather than not at all.
        List<FlowView> live;
        try {
            live = lab().liveFlows().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            live = List.of();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list live flows: " + e.getMessage(), e);
        }
        List<FlowView> all = new ArrayList<>();
        Set<String> endedKeys = new HashSet<>();
        synchronized (testFlows) {
            for (Ended ended : testFlows) {
                if (ended.startNanos - start >= 0) {
                    all.add(ended.view);
                    endedKeys.add(key(ended.view));
                }
            }
        }
        for (FlowView flow : live) {
            if (now - TimeUnit.MILLISECONDS.toNanos(flow.ageMillis()) - start >= 0 && !endedKeys.contains(key(flow))) {
                all.add(flow);
            }
        }
        return all;
    }

    private static String key(FlowView flow) {
        return flow.front() + ' ' + flow.client() + ' ' + flow.server();
    }

    /** The running lab, for what this class does not wrap (metrics, events). */
    public Lab censor() {
        return lab();
    }

    /** What the censor did during the current test, as printed for a failing one. */
    public String report(String testName) {
        StringBuilder out = new StringBuilder(512);
        out.append("censorsim: what the censor did during '").append(testName).append("'\n");
        out.append("  policy in force: ").append(lab().policySource())
                .append(lab().currentPhase() == null ? "" : " (phase " + lab().currentPhase() + ")").append(", ")
                .append(lab().policy().rules().size()).append(" rules\n");
        List<FlowView> flows = flows();
        if (flows.isEmpty()) {
            out.append("  no flows went through the censor (is the client configured to use its proxy?)\n");
        }
        for (FlowView f : flows) {
            out.append("  [").append(f.front()).append("] ").append(f.client()).append(" -> ")
                    .append(f.server() == null ? "?" : f.server()).append(' ')
                    .append(f.names().isEmpty() ? "-" : String.join(",", f.names()))
                    .append(" rule=").append(f.rule() == null ? "-" : f.rule())
                    .append(" action=").append(f.action())
                    .append(" up=").append(f.bytesUp()).append("B down=").append(f.bytesDown()).append('B')
                    .append(' ').append(f.ageMillis()).append("ms")
                    .append(" end=").append(f.end() == null ? "live" : f.end()).append('\n');
        }
        return out.toString();
    }

    private record Ended(long startNanos, FlowView view) {
    }

    /** What the extension's censor runs with; every setting is optional. */
    public static final class Builder {
        private CompiledPolicy policy = CompiledPolicy.empty();
        private String policySource = "none";
        private String policyText;
        private final List<Zone> zones = new ArrayList<>();
        private final Map<String, CompiledPolicy> phases = new LinkedHashMap<>();
        private boolean dns;
        private boolean api;

        private Builder() {
        }

        /** The policy each test starts with (default: pass everything). */
        public Builder policy(Path file) {
            try {
                this.policyText = Files.readString(file);
                this.policy = PolicyLoader.parse(policyText, file.toString());
            } catch (IOException e) {
                throw new ExtensionConfigurationException("cannot read policy " + file + ": " + e.getMessage(), e);
            } catch (PolicyException e) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
            this.policySource = file.toString();
            return this;
        }

        /** The policy each test starts with, as YAML text. */
        public Builder policy(String yaml) {
            try {
                this.policy = PolicyLoader.parse(yaml, "policy");
            } catch (PolicyException e) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
            this.policyText = yaml;
            this.policySource = "policy";
            return this;
        }

        /** A zone file: served by the DNS server, and resolving the proxies' target names (turns DNS on). */
        public Builder zone(Path file) {
            try {
                return zone(ZoneFileLoader.load(file));
            } catch (ZoneException e) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
        }

        /** A zone built in code, e.g. {@code Zone.builder("app.test").a("api.app.test", "127.0.0.1").build()}. */
        public Builder zone(Zone zone) {
            zones.add(Objects.requireNonNull(zone, "zone"));
            this.dns = true;
            return this;
        }

        /** A named policy for {@link CensorExtension#phase}. */
        public Builder phase(String name, Path file) {
            try {
                phases.put(name, PolicyLoader.load(file));
            } catch (PolicyException e) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
            return this;
        }

        /** Whether to run the DNS server (on by default once a zone is given). */
        public Builder dns(boolean enabled) {
            this.dns = enabled;
            return this;
        }

        /** Whether to run the control API on an ephemeral loopback port (default off). */
        public Builder api(boolean enabled) {
            this.api = enabled;
            return this;
        }

        public CensorExtension build() {
            return new CensorExtension(this);
        }
    }
}
