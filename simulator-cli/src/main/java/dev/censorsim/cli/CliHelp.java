package dev.censorsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of every command's help that follow one pattern: the exit codes it can return and a few examples to copy.
 * Kept in one table so a new command cannot ship without them ({@code CliHelpTest} walks the whole tree), and so the
 * exit codes read the same everywhere.
 */
final class CliHelp {

    private static final String OK = "done";
    private static final String BAD = "bad input: an unknown option, an unusable argument, a malformed file";
    private static final String RUNTIME = "runtime failure: a port in use, an I/O error";

    /** Examples by the command's qualified name (without the root's). */
    private static final Map<String, List<String>> EXAMPLES = new LinkedHashMap<>();
    /** What exit code 0 (and 1, where a command has it) means for commands where "done" says too little. */
    private static final Map<String, Map<Integer, String>> CODES = new LinkedHashMap<>();

    static {
        examples("", "censorsim demo", "censorsim scenario list", "censorsim socks --policy policy.yaml");
        examples("demo", "censorsim demo", "censorsim demo --time-scale 0.5 --report-dir /tmp/reports");
        codes("demo", Map.of(0, "every expectation held", 1, "an expectation failed"));
        examples("proxy",
                "censorsim proxy --listen 127.0.0.1:8443 --upstream 127.0.0.1:9443 "
                        + "--policy scenarios/policies/whatsapp-2026-block.yaml",
                "censorsim proxy --udp --listen 127.0.0.1:3478 --upstream 127.0.0.1:13478 "
                        + "--policy scenarios/policies/voice-2025-calls-blocked.yaml");
        codes("proxy", Map.of(0, "stopped by SIGINT or SIGTERM"));
        examples("socks", "censorsim socks --policy scenarios/policies/whatsapp-2026-block.yaml",
                "curl --socks5-hostname 127.0.0.1:1080 https://example.test/");
        codes("socks", Map.of(0, "stopped by SIGINT or SIGTERM"));
        examples("dns", "censorsim dns --listen 127.0.0.1:5353 --zone scenarios/zones/messenger.zone "
                + "--policy scenarios/policies/whatsapp-2026-dns.yaml",
                "dig @127.0.0.1 -p 5353 web.whatsapp.com");
        codes("dns", Map.of(0, "stopped by SIGINT or SIGTERM"));
        examples("classify", "censorsim trace generate trace.pcap && censorsim classify trace.pcap",
                "censorsim classify capture.pcapng --policy scenarios/policies/whatsapp-2026-block.yaml "
                        + "--json flows.json");
        examples("trace", "censorsim trace generate trace.pcap");
        examples("trace generate", "censorsim trace generate trace.pcap",
                "censorsim trace generate --flows 20000 --seed 7 --truth truth.json big.pcap");
        examples("scenario", "censorsim scenario list", "censorsim scenario validate scenarios/*.yaml",
                "censorsim scenario run whatsapp-2026-block");
        codes("scenario", Map.of(0, "every expectation held (run), every file valid (validate)",
                1, "an expectation failed"));
        examples("scenario run", "censorsim scenario run scenarios/whatsapp-2026-block.yaml --time-scale 0.5",
                "censorsim scenario run whatsapp-2025-26 --report-dir target/censorsim-report");
        codes("scenario run", Map.of(0, "every expectation held", 1, "an expectation failed"));
        examples("scenario validate", "censorsim scenario validate scenarios/*.yaml");
        codes("scenario validate", Map.of(0, "every file is valid"));
        examples("scenario list", "censorsim scenario list");
        examples("messenger", "censorsim messenger server --name g.whatsapp.net --ca-out /tmp/ca.pem",
                "censorsim messenger client --ca /tmp/ca.pem --via 127.0.0.1:9443 --duration 10s");
        examples("messenger server", "censorsim messenger server --listen 127.0.0.1:9443 --name g.whatsapp.net "
                + "--name mmg.whatsapp.net --ca-out /tmp/ca.pem");
        codes("messenger server", Map.of(0, "stopped by SIGINT or SIGTERM"));
        examples("messenger client",
                "censorsim messenger client --ca /tmp/ca.pem --via 127.0.0.1:8443 --media-size 2mb --duration 20s",
                "censorsim messenger client --ca /tmp/ca.pem --socks5 127.0.0.1:1080 --chat-rate 5 "
                        + "--calls 127.0.0.1:3478");
        codes("messenger client", Map.of(0, "the run completed"));
        examples("serve", "censorsim serve --socks 127.0.0.1:1080 --http-proxy 127.0.0.1:3128 "
                        + "--policy scenarios/policies/whatsapp-2026-block.yaml",
                "censorsim serve --forward db=127.0.0.1:15432,127.0.0.1:5432 --api 127.0.0.1:8474",
                "censorsim serve --http-proxy 127.0.0.1:3128 --timeline scenarios/whatsapp-2025-26.yaml");
        codes("serve", Map.of(0, "stopped by SIGINT or SIGTERM, or the timeline ended (--exit-after-timeline)"));
        examples("ctl", "censorsim ctl policy set scenarios/policies/whatsapp-2026-block.yaml",
                "censorsim ctl phase throttled", "censorsim ctl flows", "censorsim ctl metrics");
        examples("ctl policy", "censorsim ctl policy set scenarios/policies/whatsapp-2026-block.yaml",
                "censorsim ctl policy get");
        examples("ctl policy set", "censorsim ctl policy set scenarios/policies/whatsapp-2025-throttle.yaml");
        examples("ctl policy get", "censorsim ctl policy get --api 127.0.0.1:8474");
        examples("ctl phase", "censorsim ctl phase blocked");
        examples("ctl flows", "censorsim ctl flows --recent 20", "censorsim ctl flows --json");
        examples("ctl metrics", "censorsim ctl metrics");
        examples("run", "sudo censorsim run --policy scenarios/policies/whatsapp-2026-block.yaml -- curl -sI "
                        + "https://example.test/",
                "sudo censorsim run --host blocked.test --host ok.test --pcap seen.pcap -- ./my-app");
        codes("run", Map.of(0, "the program exited 0 (otherwise run exits with the program's own code)"));
        examples("gateway", "sudo censorsim gateway --interface vnet0 "
                + "--policy scenarios/policies/whatsapp-2026-block.yaml");
        codes("gateway", Map.of(0, "stopped by SIGINT or SIGTERM"));
        examples("evasions", "censorsim evasions --policy scenarios/policies/whatsapp-2026-block.yaml "
                        + "--name g.whatsapp.net",
                "censorsim evasions --policy scenarios/policies/twitter-2021-throttle.yaml --name twitter.com "
                        + "--json evasions.json --report-dir target/evasions");
        examples("completion", "source <(censorsim completion bash)");
        examples("help", "censorsim help scenario run");
    }

    private CliHelp() {
    }

    /** Usage help is {@value} columns wide (picocli's default; auto width is off). */
    static final int WIDTH = 80;

    /**
     * One example as it is printed: indented by two, and when longer than the help is wide, broken between words
     * into shell lines ending in {@code " \"}, each continuation indented by six. Left to picocli, a long example
     * was wrapped at column 80 into a second line starting at column 0 ({@code 2mb --duration 20s}), which reads as
     * a command of its own and breaks copy and paste. Lines are joined with {@code %n}: footers are format strings.
     */
    static String shellLines(String example) {
        StringBuilder out = new StringBuilder("  ");
        int column = 2;
        for (String word : example.split(" ")) {
            boolean first = column == 2 && out.length() == 2;
            // Room for the word, and for " \" should the next one not fit.
            if (!first && column + 1 + word.length() + 2 > WIDTH - 1) {
                out.append(" \\%n      ");
                column = 6;
            } else if (!first) {
                out.append(' ');
                column++;
            }
            out.append(word.replace("%", "%%"));
            column += word.length();
        }
        return out.toString();
    }

    private static void examples(String command, String... lines) {
        EXAMPLES.put(command, List.of(lines));
    }

    private static void codes(String command, Map<Integer, String> meanings) {
        CODES.put(command, meanings);
    }

    /** Adds the exit codes and examples to {@code root} and every command below it. */
    static void decorate(CommandLine root) {
        decorate(root, "");
    }

    private static void decorate(CommandLine cli, String path) {
        CommandSpec spec = cli.getCommandSpec();
        UsageMessageSpec usage = spec.usageMessage();
        Map<Integer, String> meanings = CODES.getOrDefault(path, Map.of());
        if (usage.exitCodeList().isEmpty()) {
            Map<String, String> list = new LinkedHashMap<>();
            list.put(" 0", meanings.getOrDefault(0, OK));
            if (meanings.containsKey(1)) {
                list.put(" 1", meanings.get(1));
            }
            list.put(" 2", BAD);
            list.put(" 3", RUNTIME);
            usage.exitCodeListHeading("%nExit codes:%n");
            usage.exitCodeList(list);
        }
        List<String> examples = EXAMPLES.get(path);
        if (examples != null && usage.footer().length == 0) {
            usage.footerHeading("%nExamples:%n");
            usage.footer(examples.stream().map(CliHelp::shellLines).toArray(String[]::new));
        }
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            // Aliases appear twice in the map; decorate each command once, under its own name.
            if (sub.getKey().equals(sub.getValue().getCommandName())) {
                decorate(sub.getValue(), path.isEmpty() ? sub.getKey() : path + " " + sub.getKey());
            }
        }
    }

    /** The qualified names this table has examples for (the test checks each still exists). */
    static java.util.Set<String> documented() {
        return EXAMPLES.keySet();
    }
}
