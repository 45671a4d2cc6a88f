package dev.censorsim;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering the README's Architecture section states, checked on the main source tree: which of censorsim's
 * packages each package may name. A reference is an import or a fully qualified name in code; comments and strings
 * do not count, so Javadoc may still point across.
 */
class LayeringTest {

    private static final Path MAIN = Path.of("src", "main", "java", "dev", "censorsim");
    /** Strings, character literals and comments, in the order they start, so a quote inside a comment is harmless. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "\"\"\"(?s:.*?)\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\])'|//[^\\n]*|/\\*(?s:.*?)\\*/");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.censorsim\\.([a-z][a-z0-9]*)\\b");

    @Test
    void classifyShouldNotReferToPolicy() {
        // classify gives facts about bytes; the packet face that applies a policy to them lives in capture.
        assertThat(references("classify", "policy")).isEmpty();
    }

    @Test
    void reportShouldNotReferToScenario() {
        // the runner hands the report plain data; the report renders it and never reaches back.
        assertThat(references("report", "scenario")).isEmpty();
    }

    @Test
    void unitsShouldReferToNothingOfCensorsims() {
        // units belong to no feature, so every feature may use them.
        assertThat(references("units", null)).isEmpty();
    }

    @Test
    void checkShouldSeeACrossPackageReference() {
        // Guards the check itself: the policy package does refer to classify (the facts it decides on).
        assertThat(MAIN).isDirectory();
        assertThat(references("policy", "classify")).isNotEmpty();
    }

    /**
     * The files of {@code from} (with its subpackages) that name {@code to}, or any other censorsim package when
     * {@code to} is {@code null}, as {@code file: package} lines.
     */
    private static List<String> references(String from, String to) {
        Path root = MAIN.resolve(from);
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String code = NOT_CODE.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll(" ");
                Set<String> named = new TreeSet<>();
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    named.add(m.group(1));
                }
                named.remove(from);
                for (String target : named) {
                    if (to == null || to.equals(target)) {
                        found.add(MAIN.relativize(file) + ": " + target);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }
}
