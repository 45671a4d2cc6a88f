package dev.censorsim.cli;

import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.policy.PolicyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code censorsim ctl}: a small client of a running {@code censorsim serve}'s native routes. Exit 0 when the API
 * did what was asked, 2 when it refused the input (bad policy, unknown phase, wrong token), 3 when it could not be
 * reached or failed.
 */
@Command(name = "ctl",
        header = "Steer a running 'censorsim serve' over its control API: policy, phase, flows, metrics.",
        mixinStandardHelpOptions = true,
        subcommands = {
            CtlCommand.PolicyCommand.class,
            CtlCommand.PhaseCommand.class,
            CtlCommand.FlowsCommand.class,
            CtlCommand.MetricsCommand.class
        })
final class CtlCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than the server's own request deadline (30 s), so the server's 503 arrives rather than ours. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(35);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--api", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8474",
            converter = HostPortConverter.class, scope = CommandLine.ScopeType.INHERIT,
            description = "The control API (default: ${DEFAULT-VALUE}).")
    InetSocketAddress api;

    @Option(names = "--api-token", paramLabel = "TOKEN", scope = CommandLine.ScopeType.INHERIT,
            description = "Bearer token, if the server requires one. Default: the CENSORSIM_API_TOKEN environment "
                    + "variable.")
    String apiToken;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces with errors.")
    boolean verbose;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: policy set FILE, policy get, phase NAME, flows or metrics");
    }

    /** Sends one request and returns the body of a 2xx answer; anything else becomes a one-line CLI error. */
    String call(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://"
                        + HostPortConverter.format(api) + path))
                .timeout(REQUEST_TIMEOUT)
                .header("User-Agent", "censorsim-ctl")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        String token = apiToken != null ? apiToken : System.getenv("CENSORSIM_API_TOKEN");
        if (token != null && !token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot reach the control API at "
                    + HostPortConverter.format(api) + " (is 'censorsim serve' running?)", e);
        } catch (HttpTimeoutException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "the control API at " + HostPortConverter.format(api)
                    + " did not answer in time", e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "control API " + HostPortConverter.format(api) + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "interrupted", e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response.body();
        }
        String message = errorMessage(response.body(), status);
        throw new CliException(status / 100 == 4 ? ExitCodes.BAD_INPUT : ExitCodes.RUNTIME_FAILURE, message);
    }

    private static String errorMessage(String body, int status) {
        try {
            JsonNode error = JSON.readTree(body).get("error");
            if (error != null) {
                return error.asText();
            }
        } catch (IOException notJson) {
            // fall through to the status line
        }
        return "control API answered " + status;
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "the control API sent malformed JSON: "
                    + e.getMessage(), e);
        }
    }

    static String rules(JsonNode policy) {
        return policy.path("rules").size() + " rules, " + policy.path("dns_rules").size() + " DNS rules";
    }

    /** {@code ctl policy set FILE} and {@code ctl policy get}. */
    @Command(name = "policy", header = "Set or show the policy in force.", mixinStandardHelpOptions = true,
            subcommands = {PolicySet.class, PolicyGet.class})
    static final class PolicyCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing command: set FILE or get");
        }
    }

    @Command(name = "set", header = "PUT a policy file (YAML or JSON); the old policy stays if it is refused.",
            mixinStandardHelpOptions = true)
    static final class PolicySet implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The policy file.")
        Path file;

        @Override
        public Integer call() {
            CtlCommand ctl = (CtlCommand) spec.parent().parent().userObject();
            if (!Files.isRegularFile(file)) {
                throw new CliException(ExitCodes.BAD_INPUT, file + ": no such policy file");
            }
            String text;
            try {
                text = PolicyLoader.readText(file, "policy file");
            } catch (PolicyException e) {
                throw new CliException(ExitCodes.BAD_INPUT, file + ": " + e.detail(), e);
            }
            JsonNode policy;
            try {
                policy = json(ctl.call("PUT", "/censorsim/policy", text));
            } catch (CliException e) {
                // The server names the body "policy"; name the file the user gave instead.
                String message = e.getMessage().startsWith("policy:")
                        ? file + e.getMessage().substring("policy".length()) : e.getMessage();
                throw new CliException(e.exitCode(), message, e.getCause());
            }
            spec.commandLine().getOut().println("censorsim ctl: policy " + file + " in force (" + rules(policy)
                    + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", header = "Print the policy in force (its text, or its rules when it has none).",
            mixinStandardHelpOptions = true)
    static final class PolicyGet implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CtlCommand ctl = (CtlCommand) spec.parent().parent().userObject();
            JsonNode policy = json(ctl.call("GET", "/censorsim/policy", null));
            PrintWriter out = spec.commandLine().getOut();
            out.println("# source: " + policy.path("source").asText() + (policy.path("phase").isNull() ? ""
                    : ", phase " + policy.path("phase").asText()) + " (" + rules(policy) + ")");
            if (!policy.path("text").isNull() && !policy.path("text").isMissingNode()) {
                out.print(policy.path("text").asText());
            } else {
                for (JsonNode rule : policy.path("rules")) {
                    out.println("# rule " + rule.path("name").asText() + ": " + rule.path("action").asText());
                }
                for (JsonNode rule : policy.path("dns_rules")) {
                    out.println("# dns rule " + rule.path("name").asText() + ": " + rule.path("action").asText());
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "phase", header = "Switch to a named policy of the server's timeline or --phase options.",
            mixinStandardHelpOptions = true)
    static final class PhaseCommand implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The phase.")
        String name;

        @Override
        public Integer call() {
            JsonNode policy = json(ctl.call("POST", "/censorsim/phase/"
                    + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"),
                    null));
            spec.commandLine().getOut().println("censorsim ctl: phase " + name + " in force (" + rules(policy) + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "flows", header = "List live flows and the most recently ended ones.",
            mixinStandardHelpOptions = true)
    static final class FlowsCommand implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--recent", paramLabel = "N", defaultValue = "20",
                description = "How many ended flows to show (default: ${DEFAULT-VALUE}).")
        int recent;

        @Option(names = "--json", description = "Print the API's JSON as it came.")
        boolean json;

        @Override
        public Integer call() {
            if (recent < 0) {
                throw new CliException(ExitCodes.BAD_INPUT, "--recent must be >= 0");
            }
            String body = ctl.call("GET", "/censorsim/flows?recent=" + recent, null);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.print(body);
                out.flush();
                return ExitCodes.OK;
            }
            JsonNode flows = json(body);
            String format = "%-6s %-8s %-22s %-30s %-8s %-20s %-12s %10s %10s %8s%n";
            out.printf(Locale.ROOT, format, "state", "front", "client", "names", "proto", "rule", "action", "up",
                    "down", "age");
            print(out, format, "live", flows.path("live"));
            print(out, format, "ended", flows.path("recent"));
            out.flush();
            return ExitCodes.OK;
        }

        private static void print(PrintWriter out, String format, String state, JsonNode flows) {
            for (JsonNode f : flows) {
                StringBuilder names = new StringBuilder();
                f.path("names").forEach(n -> names.append(names.length() == 0 ? "" : ",").append(n.asText()));
                out.printf(Locale.ROOT, format, f.path("end").isNull() ? state : f.path("end").asText(),
                        f.path("front").asText(), f.path("client").asText(), names.length() == 0 ? "-" : names,
                        text(f.path("protocol")), text(f.path("rule")), f.path("action").asText(),
                        f.path("bytes_up").asLong() + "B", f.path("bytes_down").asLong() + "B",
                        f.path("age_ms").asLong() + "ms");
            }
        }

        private static String text(JsonNode node) {
            return node.isNull() || node.isMissingNode() ? "-" : node.asText();
        }
    }

    @Command(name = "metrics", header = "Print the Prometheus metrics.", mixinStandardHelpOptions = true)
    static final class MetricsCommand implements Callable<Integer> {
        @ParentCommand
        CtlCommand ctl;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.print(ctl.call("GET", "/metrics", null));
            out.flush();
            return ExitCodes.OK;
        }
    }
}
