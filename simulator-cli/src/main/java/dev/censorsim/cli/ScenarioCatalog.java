package dev.censorsim.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Where the shipped scenarios (with their policies and zones) are: the checkout's {@code scenarios/} when censorsim
 * runs from one, else the copy bundled in the jar under {@code censorsim/scenarios/}.
 *
 * <p>The bundled copy is unpacked once into a cache folder ({@code $XDG_CACHE_HOME/censorsim}, else
 * {@code ~/.cache/censorsim}, or {@code -Dcensorsim.cache}) named after the jar's size and modification time, so the
 * scenario loader reads ordinary files (a scenario names its policy files by relative path) and a rebuilt jar gets a
 * fresh copy. This is what lets {@code java -jar censorsim.jar demo} and {@code censorsim scenario run
 * whatsapp-2026-block} work from any directory.
 */
final class ScenarioCatalog {

    /** Inside the jar (and under target/classes). */
    static final String BUNDLE = "censorsim/scenarios";

    private ScenarioCatalog() {
    }

    /**
     * A file argument as the user gave it when it exists; else, for a bare name such as {@code whatsapp-2026-block}
     * (with or without {@code .yaml}), the shipped scenario of that name; else the argument unchanged (the loader then
     * says it does not exist).
     */
    static Path resolve(Path argument) {
        if (Files.exists(argument) || argument.getNameCount() != 1) {
            return argument;
        }
        String name = argument.toString();
        String file = name.toLowerCase(Locale.ROOT).endsWith(".yaml") ? name : name + ".yaml";
        Path directory;
        try {
            directory = directory();
        } catch (RuntimeException e) {
            return argument;
        }
        Path shipped = directory.resolve(file);
        return Files.isRegularFile(shipped) ? shipped : argument;
    }

    /** The shipped scenarios, sorted by file name. */
    static List<Path> list() {
        Path directory = directory();
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, directory + ": cannot list scenarios: " + e.getMessage());
        }
    }

    /**
     * The folder of shipped scenarios: the checkout's (from {@code -Dcensorsim.home}, which the launcher sets, or the
     * working directory) when there is one, else the bundle unpacked into the cache.
     */
    static Path directory() {
        String home = System.getProperty("censorsim.home");
        if (home != null && Files.isDirectory(Path.of(home, "scenarios"))) {
            return Path.of(home, "scenarios");
        }
        Path codeSource = codeSource();
        if (Files.isDirectory(codeSource)) {
            // target/classes: the resources are plain files already.
            Path bundled = codeSource.resolve(BUNDLE);
            if (Files.isDirectory(bundled)) {
                return bundled;
            }
            throw new CliException(ExitCodes.RUNTIME_FAILURE, bundled + ": no bundled scenarios in this build");
        }
        return unpacked(codeSource);
    }

    private static Path codeSource() {
        try {
            return Path.of(ScenarioCatalog.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot tell where censorsim's jar is: " + e.getMessage());
        }
    }

    static Path unpacked(Path jar) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(jar, BasicFileAttributes.class);
            String key = Long.toHexString(attributes.size()) + "-"
                    + Long.toHexString(attributes.lastModifiedTime().toMillis());
            Path target = cacheRoot().resolve("scenarios-" + key);
            if (Files.isDirectory(target)) {
                return target;
            }
            Files.createDirectories(target.getParent());
            Path staging = Files.createTempDirectory(target.getParent(), ".unpacking-");
            try (FileSystem zip = FileSystems.newFileSystem(jar, (ClassLoader) null)) {
                Path root = zip.getPath("/" + BUNDLE);
                if (!Files.isDirectory(root)) {
                    throw new CliException(ExitCodes.RUNTIME_FAILURE, jar + ": no bundled scenarios in this jar");
                }
                try (Stream<Path> entries = Files.walk(root)) {
                    for (Path entry : (Iterable<Path>) entries::iterator) {
                        Path out = staging.resolve(root.relativize(entry).toString());
                        if (Files.isDirectory(entry)) {
                            Files.createDirectories(out);
                        } else {
                            Files.copy(entry, out, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                // Another censorsim unpacked the same jar first: use its copy, drop ours.
                deleteTree(staging);
                if (!Files.isDirectory(target)) {
                    throw raced;
                }
            }
            return target;
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot unpack the bundled scenarios: " + e.getMessage());
        }
    }

    private static Path cacheRoot() {
        String explicit = System.getProperty("censorsim.cache");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "censorsim");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "censorsim");
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> paths = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(paths);
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }
}
