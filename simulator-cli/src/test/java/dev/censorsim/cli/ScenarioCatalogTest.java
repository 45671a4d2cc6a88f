package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ScenarioCatalogTest {

    @TempDir
    Path dir;

    @Test
    void scenarioListShouldNameEveryShippedScenarioWithItsDescription() throws Exception {
        CliRun r = CliRun.of("scenario", "list");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.OK);
        List<String> shipped;
        try (Stream<Path> files = Files.list(Path.of("..", "scenarios"))) {
            shipped = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
        assertThat(shipped).isNotEmpty();
        for (String name : shipped) {
            assertThat(r.out()).as("listed: " + name).containsPattern("(?m)^" + name + " +\\d+ phases  \\S");
        }
        assertThat(r.out()).contains("whatsapp-2025-26").contains("4 phases");
    }

    @Test
    void aShippedScenarioShouldValidateByItsBareName() {
        CliRun r = CliRun.of("scenario", "validate", "whatsapp-2026-block");

        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("scenario whatsapp-2026-block, 2 phases");
    }

    @Test
    void anUnknownBareNameShouldPointAtTheList() {
        CliRun r = CliRun.of("scenario", "validate", "no-such-scenario");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("no-such-scenario: no such scenario file")
                .contains("censorsim scenario list");
    }

    @Test
    void theBundleShouldUnpackOnceFromAJarIntoTheCache() throws Exception {
        Path jar = dir.resolve("censorsim.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry(ScenarioCatalog.BUNDLE + "/"));
            zip.putNextEntry(new ZipEntry(ScenarioCatalog.BUNDLE + "/demo.yaml"));
            zip.write("scenario: demo\n".getBytes());
            zip.putNextEntry(new ZipEntry(ScenarioCatalog.BUNDLE + "/policies/"));
            zip.putNextEntry(new ZipEntry(ScenarioCatalog.BUNDLE + "/policies/p.yaml"));
            zip.write("rules: []\n".getBytes());
        }
        String old = System.getProperty("censorsim.cache");
        System.setProperty("censorsim.cache", dir.resolve("cache").toString());
        try {
            Path first = ScenarioCatalog.unpacked(jar);
            Files.writeString(first.resolve("marker"), "kept");
            Path second = ScenarioCatalog.unpacked(jar);

            assertThat(first).startsWith(dir.resolve("cache"));
            assertThat(Files.readString(first.resolve("demo.yaml"))).isEqualTo("scenario: demo\n");
            assertThat(Files.readString(first.resolve("policies").resolve("p.yaml"))).isEqualTo("rules: []\n");
            assertThat(second).as("the same jar is unpacked once").isEqualTo(first);
            assertThat(second.resolve("marker")).exists();
            try (Stream<Path> leftovers = Files.list(dir.resolve("cache"))) {
                assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".unpacking"));
            }
        } finally {
            if (old == null) {
                System.clearProperty("censorsim.cache");
            } else {
                System.setProperty("censorsim.cache", old);
            }
        }
    }

    @Test
    void completionShouldPrintABashScriptNamingTheSubcommands() {
        CliRun bash = CliRun.of("completion", "bash");
        CliRun zsh = CliRun.of("completion", "zsh");

        assertThat(bash.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(bash.out()).startsWith("#!/usr/bin/env bash").contains("scenario").contains("classify")
                .contains("complete -F");
        assertThat(zsh.out()).startsWith("#compdef censorsim").contains("bashcompinit");
        assertThat(CliRun.of("completion", "fish").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    }
}
