package dev.censorsim.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.censorsim.io.InputFiles;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Reads YAML into {@link PolicyNode}s with the location of each node, straight from the streaming parser: Jackson's
 * {@code JsonNode} tree drops locations, and the policy errors must point at nodes. Also rejects what YAML allows but a
 * policy file must not have: duplicate keys (the later one would silently win), aliases and several documents.
 */
final class YamlTreeReader {

    /**
     * The longest line read. SnakeYAML scans a long comment or plain scalar in time quadratic in the line's length:
     * measured on this project's 2-core CI machine, one 512 KiB comment line took 2.7 s and a 16 MiB one about a
     * minute, while 4 MiB made of 16 KiB lines parses in 0.5 s. No hand-written policy needs a longer line; long
     * domain lists go in list files.
     */
    static final int MAX_LINE_CHARS = 16 * 1024;
    private static final YAMLFactory FACTORY = YAMLFactory.builder().loaderOptions(loaderOptions()).build();
    /** Deeper nesting than any policy needs; stops a hostile file from blowing the stack. */
    private static final int MAX_DEPTH = 32;

    private final String source;
    private final YAMLParser parser;

    private YamlTreeReader(String source, YAMLParser parser) {
        this.source = source;
        this.parser = parser;
    }

    /** Returns the root node; a {@link PolicyNode.Kind#NULL} node for an empty document. */
    static PolicyNode read(String yaml, String source) throws PolicyException {
        checkSize(yaml, source);
        try (YAMLParser parser = FACTORY.createParser(yaml)) {
            YamlTreeReader reader = new YamlTreeReader(source, parser);
            JsonToken first = parser.nextToken();
            if (first == null) {
                return PolicyNode.scalar(source, 1, 1, PolicyNode.Kind.NULL, null);
            }
            PolicyNode root = reader.readValue(first, 0);
            if (parser.nextToken() != null) {
                throw reader.here("expected a single YAML document");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(source, e);
        } catch (IOException e) {
            throw new PolicyException(source, 0, 0, "cannot read YAML: " + e.getMessage(), e);
        }
    }

    /**
     * The size and line-length limits, checked before the YAML parser sees a byte. A string's length in UTF-16 units
     * is at most its UTF-8 length, so a file within {@link PolicyLoader#MAX_FILE_BYTES} always passes the first test.
     */
    private static void checkSize(String yaml, String source) throws PolicyException {
        if (yaml.length() > PolicyLoader.MAX_FILE_BYTES) {
            throw new PolicyException(source, 0, 0, "YAML of " + yaml.length() + " characters is over the limit of "
                    + InputFiles.formatBytes(PolicyLoader.MAX_FILE_BYTES) + "; put long domain lists in list files "
                    + "(lists: { NAME: { file: PATH } })");
        }
        int line = 1;
        int start = 0;
        for (int i = 0, n = yaml.length(); i <= n; i++) {
            if (i == n || yaml.charAt(i) == '\n') {
                if (i - start > MAX_LINE_CHARS) {
                    throw new PolicyException(source, line, MAX_LINE_CHARS + 1, "line longer than "
                            + MAX_LINE_CHARS + " characters; split it (a YAML list takes one entry a line)");
                }
                line++;
                start = i + 1;
            }
        }
    }

    /**
     * SnakeYAML's own code-point limit (3 MB by default) would refuse a file inside our limit with a message naming
     * its internals; set it just above ours so that the checked limit is the only one. Aliases stay refused below.
     */
    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit((int) PolicyLoader.MAX_FILE_BYTES + 1);
        return options;
    }

    private PolicyNode readValue(JsonToken token, int depth) throws IOException, PolicyException {
        if (depth > MAX_DEPTH) {
            throw here("nesting deeper than " + MAX_DEPTH + " levels");
        }
        JsonLocation at = parser.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        if (parser.isCurrentAlias()) {
            throw here("YAML aliases (*" + parser.getText() + ") are not supported in policy files");
        }
        switch (token) {
            case START_OBJECT:
                return readMap(line, column, depth);
            case START_ARRAY: {
                List<PolicyNode> items = new ArrayList<>();
                for (JsonToken t = next(); t != JsonToken.END_ARRAY; t = next()) {
                    items.add(readValue(t, depth + 1));
                }
                return PolicyNode.sequence(source, line, column, items);
            }
            case VALUE_STRING:
                return PolicyNode.scalar(source, line, column, PolicyNode.Kind.STRING, parser.getText());
            case VALUE_NUMBER_INT:
                return PolicyNode.scalar(source, line, column, PolicyNode.Kind.INT, parser.getText());
            case VALUE_NUMBER_FLOAT:
                return PolicyNode.scalar(source, line, column, PolicyNode.Kind.FLOAT, parser.getText());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return PolicyNode.scalar(source, line, column, PolicyNode.Kind.BOOLEAN,
                        Boolean.toString(token == JsonToken.VALUE_TRUE));
            case VALUE_NULL:
                return PolicyNode.scalar(source, line, column, PolicyNode.Kind.NULL, null);
            default:
                throw here("unexpected YAML content (" + token + ")");
        }
    }

    private PolicyNode readMap(int line, int column, int depth) throws IOException, PolicyException {
        LinkedHashMap<String, PolicyNode> fields = new LinkedHashMap<>();
        LinkedHashMap<String, PolicyNode> keys = new LinkedHashMap<>();
        for (JsonToken t = next(); t != JsonToken.END_OBJECT; t = next()) {
            JsonLocation keyAt = parser.currentTokenLocation();
            String key = parser.currentName();
            PolicyNode keyNode = PolicyNode.scalar(source, keyAt.getLineNr(), keyAt.getColumnNr(),
                    PolicyNode.Kind.STRING, key);
            PolicyNode first = keys.get(key);
            if (first != null) {
                throw keyNode.error("duplicate key '" + key + "'; first given at " + first.line() + ":"
                        + first.column());
            }
            PolicyNode value = readValue(next(), depth + 1);
            keys.put(key, keyNode);
            fields.put(key, value);
        }
        return PolicyNode.map(source, line, column, fields, keys);
    }

    private JsonToken next() throws IOException, PolicyException {
        JsonToken t = parser.nextToken();
        if (t == null) {
            throw here("unexpected end of YAML");
        }
        return t;
    }

    private PolicyException here(String detail) {
        JsonLocation at = parser.currentTokenLocation();
        return new PolicyException(source, Math.max(at.getLineNr(), 0), Math.max(at.getColumnNr(), 0), detail);
    }

    /**
     * Points at the problem (where the parser gave up), and names the construct it was in: SnakeYAML's own
     * "while parsing a flow mapping" alone does not say what was wrong.
     */
    private static PolicyException syntaxError(String source, JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException) {
            MarkedYAMLException yaml = (MarkedYAMLException) e.getCause();
            Mark problem = yaml.getProblemMark();
            Mark context = yaml.getContextMark();
            if (problem != null && yaml.getProblem() != null) {
                String detail = "invalid YAML: " + yaml.getProblem();
                if (context != null && yaml.getContext() != null) {
                    detail += " (" + yaml.getContext() + " started at " + (context.getLine() + 1) + ":"
                            + (context.getColumn() + 1) + ")";
                }
                return new PolicyException(source, problem.getLine() + 1, problem.getColumn() + 1, detail, e);
            }
        }
        JsonLocation at = e.getLocation();
        int line = at != null ? Math.max(at.getLineNr(), 0) : 0;
        int column = at != null ? Math.max(at.getColumnNr(), 0) : 0;
        return new PolicyException(source, line, column, "invalid YAML: " + firstLine(e.getOriginalMessage()), e);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }
}
