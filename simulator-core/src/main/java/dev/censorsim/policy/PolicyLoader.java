package dev.censorsim.policy;

import dev.censorsim.io.InputFileException;
import dev.censorsim.io.InputFiles;

import java.nio.file.Path;

/**
 * Reads and compiles policy files. Every failure is a {@link PolicyException} pointing at the offending node as
 * {@code file:line:column}; a successful load returns an immutable {@link CompiledPolicy}.
 */
public final class PolicyLoader {

    /**
     * The largest policy or scenario file read, checked before parsing: 4 MiB is about 150,000 inline domains, and
     * parses in about half a second at worst (see {@code YamlTreeReader.MAX_LINE_CHARS}); longer domain lists belong in
     * list files, which are streamed.
     */
    public static final long MAX_FILE_BYTES = 4L << 20;
    /** The largest domain list file ({@code lists: { NAME: { file: PATH } }}). */
    public static final long MAX_LIST_FILE_BYTES = DomainListFile.MAX_BYTES;

    private PolicyLoader() {
    }

    /**
     * Reads {@code file} as UTF-8 and compiles it; errors name the file as given. Only a regular file of at most
     * {@link #MAX_FILE_BYTES} is read; list files are resolved against its directory.
     */
    public static CompiledPolicy load(Path file) throws PolicyException {
        return PolicyCompiler.compile(readTree(file, "policy file"), ListFiles.besides(file));
    }

    /**
     * Reads a policy or scenario file into located nodes with the limits of {@link #load(Path)}: a regular file of at
     * most {@link #MAX_FILE_BYTES}, strict UTF-8, no line over 16 KiB.
     *
     * @param what how errors name the file, e.g. {@code "scenario file"}
     */
    public static PolicyNode readTree(Path file, String what) throws PolicyException {
        return YamlTreeReader.read(readText(file, what), file.toString());
    }

    /**
     * Reads a policy or scenario file's text with the limits of {@link #load(Path)} (a regular file of at most
     * {@link #MAX_FILE_BYTES}, strict UTF-8); what is wrong with the file itself comes as a {@link PolicyException}
     * naming it, like every other error in it.
     *
     * @param what how errors name the file, e.g. {@code "scenario file"}
     */
    public static String readText(Path file, String what) throws PolicyException {
        try {
            return InputFiles.readUtf8(file, MAX_FILE_BYTES, what);
        } catch (InputFileException e) {
            throw new PolicyException(file.toString(), 0, 0, e.detail(), e);
        }
    }

    /**
     * Compiles policy text; {@code sourceName} is what error messages call the file. The text comes from no file, so
     * list files are refused.
     */
    public static CompiledPolicy parse(String yaml, String sourceName) throws PolicyException {
        return PolicyCompiler.compile(YamlTreeReader.read(yaml, sourceName), ListFiles.NONE);
    }

    /**
     * Compiles a policy that is part of a larger YAML document, such as a scenario's inline policy: errors point at
     * the enclosing file's own lines and columns, because the nodes carry them. List files are refused.
     */
    public static CompiledPolicy compile(PolicyNode policy) throws PolicyException {
        return PolicyCompiler.compile(policy, ListFiles.NONE);
    }

    /** Like {@link #compile(PolicyNode)}, resolving list files (and reusing those already read) through {@code lists}. */
    public static CompiledPolicy compile(PolicyNode policy, ListFiles lists) throws PolicyException {
        return PolicyCompiler.compile(policy, lists);
    }

    /**
     * Reads YAML into located nodes without compiling it, with the policy reader's rules (no duplicate keys, no
     * aliases, one document), so other file formats that embed policies report errors the same way.
     */
    public static PolicyNode readTree(String yaml, String sourceName) throws PolicyException {
        return YamlTreeReader.read(yaml, sourceName);
    }
}
