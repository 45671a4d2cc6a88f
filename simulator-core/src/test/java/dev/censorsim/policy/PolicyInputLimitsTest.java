package dev.censorsim.policy;

import dev.censorsim.io.SpecialFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Limits on policy files and their list files, checked before parsing; every case used to hang or crawl. */
@Timeout(60)
class PolicyInputLimitsTest {

    @TempDir
    Path dir;

    @Test
    void policyFifoShouldBeRefusedAtOnce() throws Exception {
        Path fifo = SpecialFiles.fifo(dir, "policy.yaml");

        assertThatThrownBy(() -> PolicyLoader.load(fifo)).isInstanceOf(PolicyException.class)
                .hasMessage(fifo + ":0:0: not a regular file (a device, FIFO or socket); expected a policy file");
        assertThatThrownBy(() -> PolicyLoader.load(Path.of("/dev/zero")))
                .hasMessageStartingWith("/dev/zero:0:0: not a regular file");
    }

    @Test
    void policyOverTheSizeLimitShouldBeRefusedBeforeParsing() throws Exception {
        // A 16 MB comment took SnakeYAML about a minute; the size check refuses it without a parse.
        Path big = dir.resolve("big.yaml");
        try (BufferedWriter w = Files.newBufferedWriter(big, StandardCharsets.US_ASCII)) {
            w.write("# ");
            for (int i = 0; i < 16 << 20; i += 64) {
                w.write("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            }
            w.write("\nrules: []\n");
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> PolicyLoader.load(big))
                .hasMessageStartingWith(big + ":0:0: policy file is 16,777,2")
                .hasMessageEndingWith("bytes, over the limit of 4 MiB");
        assertThat((System.nanoTime() - start) / 1_000_000).as("refused without parsing").isLessThan(10_000);
    }

    @Test
    void overlongLineShouldBeRefusedWithItsLineBeforeParsing() throws Exception {
        Path file = dir.resolve("long-line.yaml");
        Files.writeString(file, "rules: []\n# " + "x".repeat(512 * 1024) + "\n");

        assertThatThrownBy(() -> PolicyLoader.load(file))
                .hasMessage(file + ":2:16385: line longer than 16384 characters; split it (a YAML list takes one "
                        + "entry a line)");
    }

    @Test
    void policyWithinTheLimitShouldNotHitSnakeYamlsOwnCodePointLimit() throws Exception {
        // SnakeYAML refuses 3 MB by default: 112,707 list lines in the original report.
        StringBuilder yaml = new StringBuilder("lists:\n  big:\n");
        int n = 0;
        while (yaml.length() < 3_900_000) {
            yaml.append("    - d").append(n++).append(".example.com\n");
        }
        yaml.append("rules:\n  - name: big\n    match: { sni: '@big' }\n    action: { type: reset }\n");
        Path file = dir.resolve("inline-list.yaml");
        Files.writeString(file, yaml);

        CompiledPolicy policy = PolicyLoader.load(file);

        assertThat(n).isGreaterThan(112_707);
        assertThat(policy.evaluate(Flows.tls("d" + (n - 1) + ".example.com", true)).rule().name()).isEqualTo("big");
    }

    @Test
    void listFileShouldMatchItsDomainsRelativeToThePolicyFile() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("lists"));
        Files.writeString(sub.resolve("blocked.txt"), """
                # messengers
                whatsapp.net
                  *.whatsapp.com   # with a comment
                WA.ME.

                """);
        Path policyFile = dir.resolve("policy.yaml");
        Files.writeString(policyFile, """
                lists:
                  blocked: { file: lists/blocked.txt }
                rules:
                  - name: block
                    match: { sni: '@blocked' }
                    action: { type: reset }
                """);

        CompiledPolicy policy = PolicyLoader.load(policyFile);

        assertThat(policy.evaluate(Flows.tls("g.whatsapp.net", true)).rule().name()).isEqualTo("block");
        assertThat(policy.evaluate(Flows.tls("web.whatsapp.com", true)).rule().name()).isEqualTo("block");
        assertThat(policy.evaluate(Flows.tls("wa.me", true)).rule().name()).isEqualTo("block");
        assertThat(policy.evaluate(Flows.tls("telegram.org", true)).rule()).isNull();
    }

    @Test
    void listFileInSubstringModeShouldMatchLikeAnInlineList() throws Exception {
        Files.writeString(dir.resolve("loose.txt"), "t.co\n");
        Path policyFile = dir.resolve("policy.yaml");
        Files.writeString(policyFile, """
                lists:
                  loose: { file: loose.txt }
                rules:
                  - name: twitter-2021
                    match: { sni: '@loose', matching: substring }
                    action: { type: reset }
                """);

        CompiledPolicy policy = PolicyLoader.load(policyFile);

        assertThat(policy.evaluate(Flows.tls("reddit.com", true)).rule().name()).isEqualTo("twitter-2021");
    }

    @Test
    void badListFileEntriesShouldPointAtTheirLineAndColumn() throws Exception {
        Path policyFile = dir.resolve("policy.yaml");
        Files.writeString(policyFile, "lists:\n  l: { file: l.txt }\n");
        Path list = dir.resolve("l.txt");

        Files.writeString(list, "ok.example\n  bad/name.example\n");
        assertThatThrownBy(() -> PolicyLoader.load(policyFile))
                .hasMessage(list + ":2:3: unexpected character '/' in a domain name (letters, digits, '-', '_' and "
                        + "'.'; IDNs in their xn-- form)");
        Files.writeString(list, "a.example b.example\n");
        assertThatThrownBy(() -> PolicyLoader.load(policyFile))
                .hasMessage(list + ":1:10: expected one domain a line, got a second word; start a comment with '#'");
        Files.writeString(list, "a..example\n");
        assertThatThrownBy(() -> PolicyLoader.load(policyFile)).hasMessage(list + ":1:1: empty label in a domain name");
        Files.delete(list);
        assertThatThrownBy(() -> PolicyLoader.load(policyFile)).hasMessage(list + ":0:0: no such domain list file");
    }

    @Test
    void listFileThatIsAFifoShouldBeRefusedAtOnce() throws Exception {
        SpecialFiles.fifo(dir, "l.txt");
        Path policyFile = dir.resolve("policy.yaml");
        Files.writeString(policyFile, "lists:\n  l: { file: l.txt }\n");

        assertThatThrownBy(() -> PolicyLoader.load(policyFile))
                .hasMessageEndingWith("l.txt:0:0: not a regular file (a device, FIFO or socket); expected a domain "
                        + "list file");
        Files.writeString(policyFile, "lists:\n  l: { file: /dev/zero }\n");
        assertThatThrownBy(() -> PolicyLoader.load(policyFile))
                .hasMessageStartingWith("/dev/zero:0:0: not a regular file");
    }

    @Test
    void listFilesShouldBeRefusedInPolicyTextThatCameFromNoFile() {
        // The control API compiles policy text sent over HTTP: it must not open paths a client names.
        assertThatThrownBy(() -> PolicyLoader.parse("lists:\n  l: { file: /etc/passwd }\n", "<http>"))
                .hasMessage("<http>:2:14: list files are read only from policies loaded from a file; list the "
                        + "domains inline");
    }

    @Test
    void listFileNodeShouldTakeOnlyAFileKey() throws Exception {
        Path policyFile = dir.resolve("policy.yaml");
        Files.writeString(policyFile, "lists:\n  l: { file: l.txt, format: csv }\n");

        assertThatThrownBy(() -> PolicyLoader.load(policyFile))
                .hasMessage(policyFile + ":2:21: unknown key 'format' in list 'l' (a list file); expected one of file");
    }

    @Test
    void listFileShouldHoldAMillionDomains() throws Exception {
        // An inline YAML list stopped at 112,707 entries; a list file holds what the matcher is built for.
        Path list = dir.resolve("million.txt");
        try (BufferedWriter w = Files.newBufferedWriter(list, StandardCharsets.US_ASCII)) {
            for (int i = 0; i < 1_000_000; i++) {
                w.write("host");
                w.write(Integer.toString(i, 36));
                w.write(".blocked.example\n");
            }
        }
        Path policyFile = Files.writeString(dir.resolve("policy.yaml"), "lists:\n  m: { file: million.txt }\n"
                + "rules:\n  - { name: m, match: { sni: '@m' }, action: { type: reset } }\n");

        CompiledPolicy policy = PolicyLoader.load(policyFile);

        assertThat(policy.evaluate(Flows.tls("host0.blocked.example", true)).rule().name()).isEqualTo("m");
        assertThat(policy.evaluate(Flows.tls("www.host" + Integer.toString(999_999, 36) + ".blocked.example", true))
                .rule().name()).isEqualTo("m");
        assertThat(policy.evaluate(Flows.tls("blocked.example", true)).rule()).isNull();
    }

    @Test
    void inlineListEntryTheMatcherRefusesShouldFailAtItsNode() {
        // Found by LoaderFuzzTargetsTest#policy: an IllegalArgumentException without a position escaped the loader.
        assertThatThrownBy(() -> PolicyLoader.parse("lists:\n  t: [te|egram.org]\n"
                + "rules:\n  - { name: r, match: { sni: ['@t'] }, action: { type: reset } }\n", "p.yaml"))
                .isInstanceOf(PolicyException.class)
                .hasMessage("p.yaml:2:7: expected a domain name such as whatsapp.net, got 'te|egram.org': unexpected "
                        + "character '|' in a domain name (letters, digits, '-', '_' and '.'; IDNs in their xn-- form)");
    }
}
