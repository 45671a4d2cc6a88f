package dev.censorsim.cli;

import dev.censorsim.lab.Lab;
import dev.censorsim.lab.LabOptions;
import dev.censorsim.policy.PolicyLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code censorsim ctl} in-process against a lab's real control API. */
class CtlCommandTest {

    private static final String RESET = """
            rules:
              - name: example-reset
                match: { target: [example.test] }
                action: { type: reset }
            """;

    @TempDir
    Path dir;
    private Lab lab;
    private String api;

    @BeforeEach
    void start() throws Exception {
        lab = Lab.start(new LabOptions().api(LabOptions.loopback(0))
                .phase("block", PolicyLoader.parse(RESET, "block")));
        api = "127.0.0.1:" + lab.apiAddress().getPort();
    }

    @AfterEach
    void stop() {
        lab.close();
    }

    @Test
    void policySetShouldSwapAndPolicyGetShouldPrintIt() throws Exception {
        Path file = dir.resolve("reset.yaml");
        Files.writeString(file, RESET);

        CliRun set = CliRun.of("ctl", "--api", api, "policy", "set", file.toString());
        CliRun get = CliRun.of("ctl", "--api", api, "policy", "get");

        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).contains("censorsim ctl: policy " + file + " in force (1 rules, 0 DNS rules)");
        assertThat(lab.policy().rules()).extracting(r -> r.name()).containsExactly("example-reset");
        assertThat(get.exitCode()).isZero();
        assertThat(get.out()).contains("# source: policy", "name: example-reset");
    }

    @Test
    void badPolicyShouldExit2WithTheFileLineAndColumnAndKeepTheOldPolicy() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "rules:\n  - name: x\n    match: { sni: [a] }\n    action: { type: nope }\n");

        CliRun run = CliRun.of("ctl", "--api", api, "policy", "set", file.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).containsPattern("censorsim: .*bad\\.yaml:\\d+:\\d+: ");
        assertThat(lab.policy().rules()).isEmpty();
    }

    @Test
    void phaseShouldSwitchAndUnknownPhaseShouldExit2() {
        CliRun known = CliRun.of("ctl", "--api", api, "phase", "block");
        CliRun unknown = CliRun.of("ctl", "--api", api, "phase", "nope");

        assertThat(known.exitCode()).isZero();
        assertThat(known.out()).contains("phase block in force (1 rules");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(unknown.err()).contains("no phase 'nope'; known: block");
    }

    @Test
    void flowsAndMetricsShouldPrint() {
        CliRun flows = CliRun.of("ctl", "--api", api, "flows");
        CliRun metrics = CliRun.of("ctl", "--api", api, "metrics");

        assertThat(flows.exitCode()).isZero();
        assertThat(flows.out()).startsWith("state ").contains("front", "names", "rule", "action");
        assertThat(metrics.exitCode()).isZero();
        assertThat(metrics.out()).contains("# TYPE censorsim_policy_swaps_total counter");
    }

    @Test
    void unreachableApiShouldExit3WithOneLine() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0)) {
            closed = probe.getLocalPort();
        }

        CliRun run = CliRun.of("ctl", "--api", "127.0.0.1:" + closed, "metrics");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(run.err()).startsWith("censorsim: cannot reach the control API at 127.0.0.1:" + closed);
    }

    @Test
    void tokenShouldBeSentWhenGiven() throws Exception {
        try (Lab guarded = Lab.start(new LabOptions().api(LabOptions.loopback(0)).apiToken("s3cret"))) {
            String address = "127.0.0.1:" + guarded.apiAddress().getPort();

            CliRun without = CliRun.of("ctl", "--api", address, "metrics");
            CliRun with = CliRun.of("ctl", "--api", address, "--api-token", "s3cret", "metrics");

            assertThat(without.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(without.err()).contains("missing or wrong bearer token");
            assertThat(with.exitCode()).isZero();
        }
    }

    @Test
    void ctlWithoutSubcommandShouldExit2() {
        assertThat(CliRun.of("ctl").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    }
}
