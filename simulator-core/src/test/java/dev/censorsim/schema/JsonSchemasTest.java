package dev.censorsim.schema;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.scenario.Scenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The published JSON Schemas ({@code schemas/scenario.schema.json}, {@code schemas/policy.schema.json}) accept every
 * shipped file and stay in step with the parsers. The parsers list the keys they accept in their "unknown key" errors;
 * for each mapping of the schemas a probe document puts an unknown key there, and the keys the parser names must be the
 * schema's properties at that place, no more, no fewer. Every schema object with properties must be probed, so a new
 * schema object needs a probe here, and a new parser key fails the probe of its mapping.
 */
class JsonSchemasTest {

    private static final Path SCHEMAS = Path.of("..", "schemas");
    private static final Path SHIPPED = Path.of("..", "scenarios");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "zz-probe";

    private static final String POLICY_BASE = """
            link: { rate: 50mbit }
            dpi: { reassemble: true }
            lists:
              inline: [a.example]
            rules:
              - name: r
                match: { sni: [a.example] }
                action: { type: reset }
            """;
    private static final String MODULE_BASE = """
            modules:
              - name: m
                rules:
                  - name: r
                    match: { sni: [a.example] }
                    action: { type: reset }
            """;
    private static final String DNS_RULE_BASE = """
            rules:
              - name: r
                match: { qname: [a.example] }
                action: { type: nxdomain }
            """;
    private static final String SCENARIO_BASE = """
            scenario: probe
            messenger:
              names: { chat: g.whatsapp.net, media: mmg.whatsapp.net }
              workload:
                chat: { rate: 5/s }
                media: { size: 1MB }
                calls: { duration: 2s }
              strategies:
                retry: { attempts: 2 }
                quic: { timeout: 300ms }
                vpn: { kind: wireguard }
              timeouts: { connect: 2s }
              dns: { ttl: 2s }
            policies:
              open: {}
            timeline:
              - phase: one
                duration: 1s
                policy: open
            """;

    @Test
    void everyShippedScenarioShouldValidateAgainstTheScenarioSchema() throws Exception {
        Schema schema = schema("scenario.schema.json");
        List<Path> files;
        try (Stream<Path> s = Files.list(SHIPPED)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(5);
        for (Path file : files) {
            assertThat(errors(schema, file)).as(file.toString()).isEmpty();
        }
    }

    @Test
    void everyShippedPolicyShouldValidateAgainstThePolicySchema() throws Exception {
        Schema schema = schema("policy.schema.json");
        List<Path> files;
        try (Stream<Path> s = Files.list(SHIPPED.resolve("policies"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(5);
        for (Path file : files) {
            assertThat(errors(schema, file)).as(file.toString()).isEmpty();
        }
    }

    @Test
    void schemasShouldRefuseWhatTheParsersRefuse() throws Exception {
        assertThat(schema("policy.schema.json").validate("rules: [{ name: r, action: { type: reset }, mtach: {} }]",
                InputFormat.YAML)).as("a misspelt key").isNotEmpty();
        assertThat(schema("policy.schema.json").validate("rules: [{ name: r, action: { type: reset, after: 5s } }]",
                InputFormat.YAML)).as("a key of another action type").isNotEmpty();
        assertThat(schema("scenario.schema.json").validate("scenario: x\ntimeline: [{ phase: a, duration: 1s, "
                + "policy: p, expect: [x > 1], colour: red }]", InputFormat.YAML)).isNotEmpty();
    }

    @Test
    void policySchemaShouldListExactlyTheKeysThePolicyParserAccepts() throws Exception {
        JsonNode schema = JSON.readTree(SCHEMAS.resolve("policy.schema.json").toFile());
        Set<String> probed = new TreeSet<>();
        List<String> mismatches = new ArrayList<>();
        probePolicy(schema, POLICY_BASE, "", "", probed, mismatches);
        probePolicy(schema, POLICY_BASE, "/link", "/properties/link", probed, mismatches);
        probePolicy(schema, POLICY_BASE, "/dpi", "/$defs/dpi", probed, mismatches);
        probePolicy(schema, POLICY_BASE, "/rules/0", "/$defs/rules/items", probed, mismatches);
        probePolicy(schema, MODULE_BASE, "/modules/0", "/properties/modules/items", probed, mismatches);
        probePolicy(schema, "lists: { big: { file: nowhere.txt } }", "/lists/big",
                "/properties/lists/additionalProperties/anyOf/1", probed, mismatches);
        // A rule's match is one mapping in the schema; the parser has a flow and a DNS form: the schema lists both.
        Set<String> matchKeys = new TreeSet<>(parserKeys(policyProbe(POLICY_BASE, "/rules/0/match")));
        matchKeys.addAll(parserKeys(policyProbe(DNS_RULE_BASE, "/rules/0/match")));
        compare("/$defs/match", matchKeys, properties(schema.at("/$defs/match")), mismatches);
        probed.add("/$defs/match");
        probePolicy(schema, "rules: [{ name: r, action: { type: reset, residual: { for: 1m } } }]",
                "/rules/0/action/residual", "/$defs/action/properties/residual", probed, mismatches);

        // Actions: the types from the parser's own error, then the keys of each type.
        String unknownType = policyError("rules: [{ name: r, action: { type: " + PROBE + " } }]");
        Set<String> types = new TreeSet<>();
        for (String part : unknownType.substring(unknownType.indexOf("expected one of ") + 16).split(";")) {
            String list = part.strip().replaceFirst("^for (UDP only|DNS) ", "");
            types.addAll(Arrays.asList(list.split(",\\s*")));
        }
        compare("/$defs/action/properties/type/enum", types, texts(schema.at("/$defs/action/properties/type/enum")),
                mismatches);
        Set<String> union = new TreeSet<>();
        JsonNode perType = schema.at("/$defs/action/allOf");
        for (String type : types) {
            boolean dns = isDnsOnly(unknownType, type);
            String doc = "rules: [{ name: r, match: " + (dns ? "{ qname: [a.example] }" : "{}")
                    + ", action: { type: " + type + ", " + PROBE + ": 1 } }]";
            Set<String> keys = parserKeys(policyError(doc));
            union.addAll(keys);
            JsonNode then = null;
            for (JsonNode branch : perType) {
                if (type.equals(branch.at("/if/properties/type/const").asText())) {
                    then = branch.get("then");
                }
            }
            if (then == null) {
                mismatches.add("/$defs/action/allOf: no branch for type '" + type + "' (the parser accepts "
                        + keys + ")");
            } else {
                compare("/$defs/action/allOf[" + type + "]", keys, texts(then.at("/propertyNames/enum")), mismatches);
            }
        }
        compare("/$defs/action/properties", union, properties(schema.at("/$defs/action")), mismatches);
        probed.add("/$defs/action");

        assertThat(mismatches).as("schema vs parser").isEmpty();
        assertThat(objectsWithProperties(schema, "")).as("every schema mapping is probed").isSubsetOf(probed);
    }

    @Test
    void scenarioSchemaShouldListExactlyTheKeysTheScenarioParserAccepts(@TempDir Path dir) throws Exception {
        JsonNode schema = JSON.readTree(SCHEMAS.resolve("scenario.schema.json").toFile());
        Set<String> probed = new TreeSet<>();
        List<String> mismatches = new ArrayList<>();
        TreeMap<String, String> probes = new TreeMap<>();
        probes.put("", "");
        probes.put("/messenger", "/properties/messenger");
        probes.put("/messenger/names", "/properties/messenger/properties/names");
        probes.put("/messenger/workload", "/properties/messenger/properties/workload");
        probes.put("/messenger/workload/chat", "/$defs/chat");
        probes.put("/messenger/workload/media", "/$defs/media");
        probes.put("/messenger/workload/calls", "/$defs/calls");
        probes.put("/messenger/strategies", "/properties/messenger/properties/strategies");
        probes.put("/messenger/strategies/retry", "/$defs/retry");
        probes.put("/messenger/strategies/quic", "/$defs/quic");
        probes.put("/messenger/strategies/vpn", "/$defs/vpn/anyOf/1");
        probes.put("/messenger/timeouts", "/properties/messenger/properties/timeouts");
        probes.put("/messenger/dns", "/properties/messenger/properties/dns");
        probes.put("/timeline/0", "/properties/timeline/items");
        for (var probe : probes.entrySet()) {
            String error = scenarioError(probeDocument(SCENARIO_BASE, probe.getKey()), dir);
            compare(probe.getValue(), parserKeys(error), properties(schema.at(probe.getValue())), mismatches);
            probed.add(probe.getValue());
        }
        // An inline policy in 'policies:' is the policy schema, checked by the policy test.
        assertThat(schema.at("/properties/policies/additionalProperties/anyOf/0/$ref").asText())
                .isEqualTo("policy.schema.json");
        probed.add("/properties/policies/additionalProperties/anyOf/1");
        assertThat(mismatches).as("schema vs parser").isEmpty();
        assertThat(objectsWithProperties(schema, "")).as("every schema mapping is probed").isSubsetOf(probed);
    }

    private static boolean isDnsOnly(String unknownType, String type) {
        String dns = unknownType.substring(unknownType.indexOf("for DNS ") + 8);
        return Arrays.stream(dns.split(",\\s*")).map(String::strip).anyMatch(type::equals);
    }

    private static void probePolicy(JsonNode schema, String base, String at, String schemaAt, Set<String> probed,
                                    List<String> mismatches) throws IOException {
        compare(schemaAt.isEmpty() ? "/" : schemaAt, parserKeys(policyProbe(base, at)), properties(schema.at(schemaAt)),
                mismatches);
        probed.add(schemaAt);
    }

    private static String policyProbe(String base, String at) throws IOException {
        return policyError(probeDocument(base, at));
    }

    private static String probeDocument(String base, String at) throws IOException {
        JsonNode root = YAML.readTree(base);
        ((ObjectNode) (at.isEmpty() ? root : root.at(JsonPointer.compile(at)))).put(PROBE, 1);
        return YAML.writeValueAsString(root);
    }

    private static String policyError(String yaml) {
        try {
            PolicyLoader.parse(yaml, "probe.yaml");
        } catch (PolicyException e) {
            return e.getMessage();
        }
        throw new AssertionError("the policy parser accepted\n" + yaml);
    }

    private static String scenarioError(String yaml, Path dir) {
        try {
            Scenario.parse(yaml, "probe.yaml", dir);
        } catch (PolicyException e) {
            return e.getMessage();
        }
        throw new AssertionError("the scenario parser accepted\n" + yaml);
    }

    /** The keys an "unknown key 'zz-probe' in X; expected one of a, b, c" error lists. */
    private static Set<String> parserKeys(String error) {
        assertThat(error).as("the probe key is what the parser refuses").contains("unknown key '" + PROBE + "'");
        String list = error.substring(error.indexOf("expected one of ") + 16);
        return new TreeSet<>(Arrays.asList(list.strip().split(",\\s*")));
    }

    private static void compare(String where, Set<String> parser, Set<String> schema, List<String> mismatches) {
        Set<String> missing = new TreeSet<>(parser);
        missing.removeAll(schema);
        Set<String> extra = new TreeSet<>(schema);
        extra.removeAll(parser);
        if (!missing.isEmpty() || !extra.isEmpty()) {
            mismatches.add(where + ": parser-only " + missing + ", schema-only " + extra);
        }
    }

    private static Set<String> properties(JsonNode object) {
        Set<String> keys = new TreeSet<>();
        object.path("properties").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> values = new TreeSet<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** JSON pointers of every schema object that declares properties (the places a probe must cover). */
    private static Set<String> objectsWithProperties(JsonNode node, String at) {
        Set<String> found = new LinkedHashSet<>();
        if (node.isObject()) {
            if (node.has("properties") && !at.matches(".*/allOf/\\d+/if")) {
                found.add(at);
            }
            node.fields().forEachRemaining(e -> found.addAll(objectsWithProperties(e.getValue(),
                    at + "/" + e.getKey().replace("~", "~0").replace("/", "~1"))));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                found.addAll(objectsWithProperties(node.get(i), at + "/" + i));
            }
        }
        return found;
    }

    /** The schema from the repository's schemas/ folder; a relative $ref (the scenario's policies) resolves there. */
    private static Schema schema(String name) {
        String base = "https://censorsim.invalid/schemas/";
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemas(uri -> {
                    if (!uri.startsWith(base)) {
                        return null;
                    }
                    try {
                        return Files.readString(SCHEMAS.resolve(uri.substring(base.length())));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
        return registry.getSchema(SchemaLocation.of(base + name));
    }

    private static List<String> errors(Schema schema, Path file) throws IOException {
        return schema.validate(Files.readString(file, StandardCharsets.UTF_8), InputFormat.YAML).stream()
                .map(Error::toString).toList();
    }
}
