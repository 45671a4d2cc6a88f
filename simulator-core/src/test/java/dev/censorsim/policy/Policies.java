package dev.censorsim.policy;

import java.util.Arrays;

/** Compiles inline policy text in tests; lines are joined with newlines so that positions are easy to count. */
final class Policies {

    private Policies() {
    }

    static CompiledPolicy compile(String... lines) {
        try {
            return PolicyLoader.parse(String.join("\n", Arrays.asList(lines)) + "\n", "test.yaml");
        } catch (PolicyException e) {
            throw new AssertionError("unexpected " + e.getMessage(), e);
        }
    }

    static PolicyException error(String... lines) {
        try {
            PolicyLoader.parse(String.join("\n", Arrays.asList(lines)) + "\n", "policy.yaml");
        } catch (PolicyException e) {
            return e;
        }
        throw new AssertionError("expected a PolicyException for:\n" + String.join("\n", lines));
    }
}
