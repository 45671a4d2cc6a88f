package dev.censorsim.policy;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and compiles policy files. Every failure is a {@link PolicyException} pointing at the offending node as
 * {@code file:line:column}; a successful load returns an immutable {@link CompiledPolicy}.
 */
public final class PolicyLoader {

    private PolicyLoader() {
    }

    /** Reads {@code file} as UTF-8 and compiles it; errors name the file as given. */
    public static CompiledPolicy load(Path file) throws PolicyException {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new PolicyException(file.toString(), 0, 0, "not valid UTF-8", e);
        } catch (IOException e) {
            throw new PolicyException(file.toString(), 0, 0, "cannot read policy file: " + e, e);
        }
        return parse(yaml, file.toString());
    }

    /** Compiles policy text; {@code sourceName} is what error messages call the file. */
    public static CompiledPolicy parse(String yaml, String sourceName) throws PolicyException {
        return PolicyCompiler.compile(YamlTreeReader.read(yaml, sourceName));
    }

    /**
     * Compiles a policy that is part of a larger YAML document, such as a scenario's inline policy: errors point at
     * the enclosing file's own lines and columns, because the nodes carry them.
     */
    public static CompiledPolicy compile(PolicyNode policy) throws PolicyException {
        return PolicyCompiler.compile(policy);
    }

    /**
     * Reads YAML into located nodes without compiling it, with the policy reader's rules (no duplicate keys, no
     * aliases, one document), so other file formats that embed policies report errors the same way.
     */
    public static PolicyNode readTree(String yaml, String sourceName) throws PolicyException {
        return YamlTreeReader.read(yaml, sourceName);
    }
}
