package dev.censorsim.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One node of a parsed policy file, with the 1-based line and column where it starts, so that every error can point
 * at the offending node rather than at the document. Built by {@link PolicyLoader}; action parsers read it.
 *
 * <p>Mapping keys are kept as nodes of their own ({@link #keyNode(String)}) so that an unknown key is reported at the
 * key, and a bad value at the value.
 */
public final class PolicyNode {

    /** The YAML shape of a node. Scalars keep the type YAML resolved them to (a plain {@code 443} is {@code INT}). */
    public enum Kind {
        MAP("a mapping"), SEQUENCE("a list"), STRING("a string"), INT("an integer"), FLOAT("a number"),
        BOOLEAN("true or false"), NULL("nothing");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        /** How an error message names this kind, e.g. {@code "a mapping"}. */
        public String description() {
            return description;
        }
    }

    private final String source;
    private final int line;
    private final int column;
    private final Kind kind;
    private final String text;
    private final List<PolicyNode> items;
    private final Map<String, PolicyNode> fields;
    private final Map<String, PolicyNode> keys;

    private PolicyNode(String source, int line, int column, Kind kind, String text, List<PolicyNode> items,
                       Map<String, PolicyNode> fields, Map<String, PolicyNode> keys) {
        this.source = source;
        this.line = line;
        this.column = column;
        this.kind = kind;
        this.text = text;
        this.items = items;
        this.fields = fields;
        this.keys = keys;
    }

    static PolicyNode scalar(String source, int line, int column, Kind kind, String text) {
        return new PolicyNode(source, line, column, kind, text, List.of(), Map.of(), Map.of());
    }

    static PolicyNode sequence(String source, int line, int column, List<PolicyNode> items) {
        return new PolicyNode(source, line, column, Kind.SEQUENCE, null, List.copyOf(items), Map.of(), Map.of());
    }

    /** {@code fields} and {@code keys} must share their iteration order (file order). */
    static PolicyNode map(String source, int line, int column, LinkedHashMap<String, PolicyNode> fields,
                          LinkedHashMap<String, PolicyNode> keys) {
        return new PolicyNode(source, line, column, Kind.MAP, null, List.of(),
                Collections.unmodifiableMap(fields), Collections.unmodifiableMap(keys));
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isNull() {
        return kind == Kind.NULL;
    }

    /** The scalar's text as written (without quotes); {@code null} for mappings and lists. */
    public String rawText() {
        return text;
    }

    /**
     * {@code baseDir.resolve(relative)} for a path this node names, or an error here for a path no file system
     * accepts (a NUL, from YAML's {@code "\0"}), where the JDK would throw {@code InvalidPathException}.
     *
     * @param what what the path should lead to, for the message ("a policy file")
     */
    public java.nio.file.Path resolve(java.nio.file.Path baseDir, String relative, String what)
            throws PolicyException {
        try {
            return baseDir.resolve(relative).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw error("expected a path to " + what + ", got one the file system refuses (" + e.getReason() + ")");
        }
    }

    /** A {@link PolicyException} located at this node. */
    public PolicyException error(String detail) {
        return new PolicyException(source, line, column, detail);
    }

    /** The value under {@code key}, or {@code null} when this mapping has no such key. */
    public PolicyNode get(String key) {
        return fields.get(key);
    }

    /** The node of the key itself, for errors about the key; {@code null} when absent. */
    public PolicyNode keyNode(String key) {
        return keys.get(key);
    }

    /** The keys in file order; empty for non-mappings. */
    public Set<String> keys() {
        return fields.keySet();
    }

    /** The items of a list; empty for other kinds. */
    public List<PolicyNode> items() {
        return items;
    }

    /** Fails unless this node is a mapping; {@code what} names it in the message, e.g. {@code "'action'"}. */
    public PolicyNode requireMap(String what) throws PolicyException {
        if (kind != Kind.MAP) {
            throw error("expected a mapping for " + what + ", got " + kind.description());
        }
        return this;
    }

    /** Fails at the first key not in {@code allowed}, listing the allowed keys in the message. */
    public void checkKeys(String what, List<String> allowed) throws PolicyException {
        for (Map.Entry<String, PolicyNode> key : keys.entrySet()) {
            if (!allowed.contains(key.getKey())) {
                throw key.getValue().error("unknown key '" + key.getKey() + "' in " + what + "; expected one of "
                        + String.join(", ", allowed));
            }
        }
    }

    /** The value under {@code key}; fails at this mapping when it is missing or null. */
    public PolicyNode required(String key, String what) throws PolicyException {
        PolicyNode value = fields.get(key);
        if (value == null || value.isNull()) {
            throw error("missing '" + key + "' in " + what);
        }
        return value;
    }

    /**
     * The text of a string or number scalar, e.g. {@code "4mbit"} or {@code "443"}; fails for mappings, lists,
     * booleans and null, naming the node as {@code what}.
     */
    public String text(String what) throws PolicyException {
        if (kind != Kind.STRING && kind != Kind.INT && kind != Kind.FLOAT) {
            throw error("expected a value for " + what + ", got " + kind.description());
        }
        return text;
    }

    /** The value of a {@code true}/{@code false} scalar. */
    public boolean bool(String what) throws PolicyException {
        if (kind != Kind.BOOLEAN) {
            throw error("expected true or false for " + what + ", got " + kind.description());
        }
        return Boolean.parseBoolean(text);
    }

    /**
     * The entries of a list, or this node alone when it is a single scalar ({@code sni: a.test} reads as
     * {@code sni: [a.test]}); fails for mappings, null and empty lists.
     */
    public List<PolicyNode> entries(String what) throws PolicyException {
        if (kind == Kind.SEQUENCE) {
            if (items.isEmpty()) {
                throw error("expected at least one entry in " + what);
            }
            return items;
        }
        if (kind == Kind.MAP || kind == Kind.NULL) {
            throw error("expected a list for " + what + ", got " + kind.description());
        }
        return List.of(this);
    }

    @Override
    public String toString() {
        return source + ":" + line + ":" + column + " " + kind + (text != null ? " " + text : "");
    }
}
