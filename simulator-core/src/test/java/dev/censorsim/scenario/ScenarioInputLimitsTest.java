package dev.censorsim.scenario;

import dev.censorsim.io.SpecialFiles;
import dev.censorsim.policy.PolicyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scenario files and the files they name: regular files within their limits, names that stay in the report dir. */
@Timeout(60)
class ScenarioInputLimitsTest {

    @TempDir
    Path dir;

    private static String scenario(String name, String policy) {
        return String.join("\n", "scenario: " + name, Scenarios.MESSENGER, "policies:", "  p: " + policy,
                "timeline:", "  - { phase: one, duration: 1s, policy: p }", "");
    }

    @Test
    void policyFileThatIsAFifoOrDevZeroShouldBeRefusedAtOnce() throws Exception {
        // Both used to hang 'scenario validate' (/dev/zero grew to 4.9 GB RSS).
        SpecialFiles.fifo(dir, "p.yaml");
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, scenario("s", "{ file: p.yaml }"));

        assertThatThrownBy(() -> Scenario.load(file)).isInstanceOf(PolicyException.class)
                .hasMessage(file + ":8:14: " + dir.resolve("p.yaml")
                        + ": not a regular file (a device, FIFO or socket); expected a policy file");
        Files.writeString(file, scenario("s", "{ file: /dev/zero }"));
        assertThatThrownBy(() -> Scenario.load(file))
                .hasMessageStartingWith(file + ":8:14: /dev/zero: not a regular file");
    }

    @Test
    void scenarioFileItselfShouldBeARegularFileWithinTheLimit() throws Exception {
        Path fifo = SpecialFiles.fifo(dir, "s.yaml");
        assertThatThrownBy(() -> Scenario.load(fifo))
                .hasMessage(fifo + ":0:0: not a regular file (a device, FIFO or socket); expected a scenario file");
        Path big = dir.resolve("big.yaml");
        Files.write(big, new byte[(4 << 20) + 10]);
        assertThatThrownBy(() -> Scenario.load(big))
                .hasMessage(big + ":0:0: scenario file is 4,194,314 bytes, over the limit of 4 MiB");
    }

    @Test
    void zoneThatIsDevZeroShouldBeRefusedAtOnce() throws Exception {
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, String.join("\n", "scenario: s", Scenarios.MESSENGER,
                "  dns: { zone: /dev/zero }", "policies:", "  p: {}", "timeline:",
                "  - { phase: one, duration: 1s, policy: p }", ""));

        assertThatThrownBy(() -> Scenario.load(file))
                .hasMessageContaining("/dev/zero: not a regular file");
    }

    @Test
    void scenarioNamesThatCouldLeaveTheReportDirShouldBeRefusedAtTheirNode() {
        for (String name : new String[] {"..", ".", "a/..", "'..\\\\x'", "x..y", "'c:'"}) {
            PolicyException e = Scenarios.error(scenario(name, "{}").split("\n"));
            assertThat(e.getMessage()).as(name)
                    .startsWith("scenario.yaml:1:11: expected a scenario name of at most 128 characters without");
        }
    }

    @Test
    void inlinePolicyListFileShouldResolveAgainstTheScenarioFileAndBeReadOnce() throws Exception {
        Files.writeString(dir.resolve("blocked.txt"), "whatsapp.net\n");
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, scenario("s",
                "{ lists: { b: { file: blocked.txt } }, rules: [ { name: r, match: { sni: '@b' }, "
                        + "action: { type: reset } } ] }"));

        Scenario s = Scenario.load(file);
        Files.delete(dir.resolve("blocked.txt"));

        assertThat(s.policy("p").compile().rules()).hasSize(1);
    }
}
