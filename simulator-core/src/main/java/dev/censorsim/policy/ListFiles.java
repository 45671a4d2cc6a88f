package dev.censorsim.policy;

import dev.censorsim.classify.DomainMatcher;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a policy's list files ({@code lists: { NAME: { file: PATH } }}) are resolved, and the lists already read:
 * a scenario compiles each policy again for every phase (fresh counters), and a million-domain list should be read
 * and held once, not once a phase. The matchers are immutable, so sharing them is safe.
 *
 * <p>Policies that come from no file (text given to {@link PolicyLoader#parse}, the control API) get {@link #NONE},
 * which refuses list files: a remote client must not make the server open paths of its choosing.
 */
public final class ListFiles {

    /** Refuses every list file. */
    public static final ListFiles NONE = new ListFiles(null);

    private final Path baseDir;
    private final Map<Path, DomainMatcher> loaded = new HashMap<>();

    private ListFiles(Path baseDir) {
        this.baseDir = baseDir;
    }

    /** Resolves list files against {@code dir}, the directory of the file that names them. */
    public static ListFiles relativeTo(Path dir) {
        return new ListFiles(dir == null ? Path.of("") : dir);
    }

    /** Resolves them against the directory of {@code file}. */
    public static ListFiles besides(Path file) {
        return relativeTo(file.getParent());
    }

    /** Reads (or returns the already read) list named by the {@code file:} node. */
    synchronized DomainMatcher load(PolicyNode fileNode) throws PolicyException {
        String relative = fileNode.text("'file'").strip();
        if (baseDir == null) {
            throw fileNode.error("list files are read only from policies loaded from a file; list the domains "
                    + "inline");
        }
        if (relative.isEmpty()) {
            throw fileNode.error("expected a path to a domain list file, one domain a line");
        }
        Path file = fileNode.resolve(baseDir, relative, "a domain list file");
        DomainMatcher matcher = loaded.get(file);
        if (matcher == null) {
            matcher = DomainListFile.read(file);
            loaded.put(file, matcher);
        }
        return matcher;
    }
}
