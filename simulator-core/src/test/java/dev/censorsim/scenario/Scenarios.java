package dev.censorsim.scenario;

import dev.censorsim.policy.PolicyException;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Test helpers: scenario text from lines, and the error a broken one raises. */
final class Scenarios {

    /** A valid messenger block, so error tests can focus on one part. */
    static final String MESSENGER = String.join("\n",
            "messenger:",
            "  names: { chat: g.whatsapp.net, media: mmg.whatsapp.net }",
            "  workload:",
            "    chat: { rate: 5/s, size: 256B, timeout: 2s }",
            "    media: { size: 2MB }");

    private Scenarios() {
    }

    static Scenario parse(String... lines) throws PolicyException {
        return Scenario.parse(String.join("\n", lines) + "\n", "scenario.yaml", null);
    }

    static Scenario parse(Path baseDir, String... lines) throws PolicyException {
        return Scenario.parse(String.join("\n", lines) + "\n", "scenario.yaml", baseDir);
    }

    static PolicyException error(String... lines) {
        return error(null, lines);
    }

    static PolicyException error(Path baseDir, String... lines) {
        PolicyException[] caught = new PolicyException[1];
        assertThatThrownBy(() -> parse(baseDir, lines)).isInstanceOfSatisfying(PolicyException.class,
                e -> caught[0] = e);
        return caught[0];
    }
}
