package dev.censorsim.cli;

import dev.censorsim.policy.PolicyLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every policy file shipped in {@code scenarios/policies} must load: they are the README's examples. */
class ShippedPoliciesTest {

    @Test
    void everyShippedPolicyShouldCompile() throws Exception {
        List<Path> files = shippedPolicies();

        assertThat(files).as("policy files found under scenarios/policies").hasSizeGreaterThanOrEqualTo(4);
        for (Path file : files) {
            var policy = PolicyLoader.load(file);
            assertThat(policy.allRules().size() + policy.dnsRules().size()).as(file.toString()).isPositive();
        }
    }

    static List<Path> shippedPolicies() throws IOException {
        Path dir = Path.of("..", "scenarios", "policies");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        }
    }
}
