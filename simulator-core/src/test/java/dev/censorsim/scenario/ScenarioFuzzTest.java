package dev.censorsim.scenario;

import dev.censorsim.policy.PolicyException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Malformed scenario files must end in a located {@link PolicyException}, never in another exception: the CLI turns
 * only that into a one-line error. Mutates the shipped default scenario byte by byte, seeded and bounded.
 */
class ScenarioFuzzTest {

    private static final String NOISE = ":{}[],-#*&!|>'\"% \n\t0123456789.<=>*/@ab";

    @Test
    void mutatedScenariosShouldFailOnlyWithALocatedError() throws Exception {
        Path dir = Path.of("..", "scenarios");
        String original = Files.readString(dir.resolve("whatsapp-2025-26.yaml"));
        SplittableRandom random = new SplittableRandom(20251226);
        int rejected = 0;
        for (int i = 0; i < 1500; i++) {
            StringBuilder text = new StringBuilder(original);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(3)) {
                    case 0 -> text.setCharAt(at, NOISE.charAt(random.nextInt(NOISE.length())));
                    case 1 -> text.deleteCharAt(at);
                    default -> text.insert(at, NOISE.charAt(random.nextInt(NOISE.length())));
                }
            }
            try {
                Scenario.parse(text.toString(), "mutant.yaml", dir);
            } catch (PolicyException e) {
                rejected++;
                assertThat(e.getMessage()).as("mutant %d", i).matches("(?s).+:\\d+:\\d+: .+");
            } catch (RuntimeException e) {
                fail("mutant " + i + " threw " + e + " for:\n" + text, e);
            }
        }
        assertThat(rejected).as("most mutants are invalid, so the test exercises the error paths").isGreaterThan(500);
    }
}
