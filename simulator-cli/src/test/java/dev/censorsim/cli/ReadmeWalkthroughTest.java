package dev.censorsim.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the README walk-through reads blocks and directives, and the script it writes (the run is the IT). */
class ReadmeWalkthroughTest {

    private static final String README = """
            # title

            ```sh
            echo one
            ```

            ```
            not a shell block
            ```

            <!-- walk: skip: needs a VM -->
            ```sh
            echo skipped
            ```

            - item

              <!-- walk: expect: ready -->
              <!-- walk: exit: 35, 7 -->
              <!-- walk: timeout: 30 -->
              <!-- walk: skip-line `scripts/test`: the suite itself -->
              ```bash
              ./censorsim serve --policy p.yaml \\
                  --watch &   # a server
              cat > z.zone <<'EOF'
              line ending with &
              EOF
              scripts/test -Dtest=X
              openssl s_server -accept 127.0.0.1:9443 &
              a && b
              ```
            """;

    @Test
    void parseShouldFindShellBlocksWithTheirDirectivesAndLines() {
        List<ReadmeWalkthrough.Block> blocks = ReadmeWalkthrough.parse(README.lines().toList());

        assertThat(blocks).extracting(ReadmeWalkthrough.Block::line).containsExactly(3, 12, 22);
        assertThat(blocks.get(0).directives().skip()).isNull();
        assertThat(blocks.get(1).directives().skip()).isEqualTo("needs a VM");
        ReadmeWalkthrough.Directives third = blocks.get(2).directives();
        assertThat(third.expects()).containsExactly("ready");
        assertThat(third.exits()).containsExactlyInAnyOrder(35, 7);
        assertThat(third.timeoutSeconds()).isEqualTo(30);
        assertThat(third.skipLines()).containsEntry("scripts/test", "the suite itself");
        assertThat(blocks.get(2).lines().get(0)).as("the list item's indent is removed")
                .startsWith("./censorsim serve");
    }

    @Test
    void scriptShouldWaitForBackgroundCommandsAndLeaveHeredocsAndSkippedLinesAlone() {
        String script = ReadmeWalkthrough.script(ReadmeWalkthrough.parse(README.lines().toList()));

        assertThat(script).contains("@@walk begin 3\"\necho one\nprintf '\\n@@walk end 3 ");
        assertThat(script).doesNotContain("echo skipped");
        assertThat(script).contains("walk_mark\n./censorsim serve --policy p.yaml \\\n    --watch &   # a server\n"
                + "walk_ready $! 23 censorsim\n");
        assertThat(script).contains("line ending with &\nEOF\n# walk: skipped README line 28\n");
        assertThat(script).contains("openssl s_server -accept 127.0.0.1:9443 &\nwalk_ready $! 29 listen\n");
        assertThat(script).contains("a && b\n").doesNotContain("a && b\nwalk_ready");
    }

    @Test
    void anExpectationShouldHoldThoughAFlowRecordLandedInsideTheLineItLooksFor() {
        // From a CI run: curl wrote "c", the background SOCKS proxy its flow record, then curl the rest.
        String output = """
                censorsim: press Ctrl-C to stop
                c127.0.0.1:42750 -> 127.0.0.1:9443 sni=g.whatsapp.net rule=whatsapp-reset action=reset up=517B \
                down=0B 191ms end=reset
                url: (35) Recv failure: Connection reset by peer
                """;

        assertThat(ReadmeWalkthrough.outputHolds(output, "curl: (35)")).isTrue();
        assertThat(ReadmeWalkthrough.outputHolds(output, "up=517B")).as("the record itself still counts").isTrue();
        assertThat(ReadmeWalkthrough.outputHolds(output, "curl: (7)")).isFalse();
        assertThat(ReadmeWalkthrough.outputHolds("[::1]:5 -> [::1]:443 end=fin\nx", "-> [::1]:443")).isTrue();
    }

    @Test
    void unknownDirectiveShouldBeAnErrorNamingItsLine() {
        assertThatThrownBy(() -> ReadmeWalkthrough.parse(List.of("<!-- walk: skp: typo -->", "```sh", "true", "```")))
                .isInstanceOf(ReadmeWalkthrough.DirectiveException.class)
                .hasMessageStartingWith("README.md:1: unknown walk directive 'skp: typo'");
    }

    @Test
    void everyReadmeBlockShouldParseAndEverySkipShouldGiveAReason() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (!Files.isRegularFile(root.resolve("README.md"))) {
            root = root.getParent();
        }
        List<ReadmeWalkthrough.Block> blocks = ReadmeWalkthrough.parse(
                Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8));

        assertThat(blocks).hasSizeGreaterThan(10);
        assertThat(blocks).filteredOn(b -> ReadmeWalkthrough.runs(b, false))
                .as("most README blocks run, even without root").hasSizeGreaterThan(blocks.size() / 2);
    }
}
