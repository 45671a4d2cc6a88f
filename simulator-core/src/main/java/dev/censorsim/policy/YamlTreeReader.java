package dev.censorsim.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
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

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
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
