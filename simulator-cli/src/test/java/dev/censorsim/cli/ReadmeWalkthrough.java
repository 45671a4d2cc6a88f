package dev.censorsim.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's shell command blocks and the bash script that runs them in order, as a user pasting them into one
 * terminal would. {@link ReadmeWalkthroughIT} runs the script; the rules it enforces are stated there.
 *
 * <p>A block is a fenced code block whose info string is {@code sh} or {@code bash} (indented fences inside list items
 * count too). The HTML comments directly above its opening fence, one per line, are its directives:
 * <pre>
 * &lt;!-- walk: skip: REASON --&gt;                      the block is not run (counted and printed as skipped)
 * &lt;!-- walk: skip-line `PREFIX`: REASON --&gt;        commands starting with PREFIX are not run
 * &lt;!-- walk: root --&gt;                              needs root (run as root, with sudo a no-op when missing)
 * &lt;!-- walk: expect: TEXT --&gt;                     the block's output contains TEXT (repeatable)
 * &lt;!-- walk: exit: 35 --&gt;                         a command may exit with these statuses (comma-separated)
 * &lt;!-- walk: timeout: 240 --&gt;                     seconds the block may take (default 120)
 * </pre>
 */
final class ReadmeWalkthrough {

    /** Seconds a block may take unless it says otherwise. */
    static final int DEFAULT_TIMEOUT_SECONDS = 120;

    private static final Pattern FENCE = Pattern.compile("^(\\s*)```(\\S*)\\s*$");
    private static final Pattern DIRECTIVE = Pattern.compile("^\\s*<!--\\s*walk:\\s*(.*?)\\s*-->\\s*$");
    private static final Pattern SKIP_LINE = Pattern.compile("skip-line\\s+`([^`]+)`\\s*:\\s*(\\S.*)");
    /** A command put in the background: a lone {@code &} at the end, before an optional comment. */
    private static final Pattern BACKGROUND = Pattern.compile("(?<![&|>])&\\s*(#.*)?$");
    private static final Pattern HEREDOC = Pattern.compile("<<(-?)\\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\\2");

    /**
     * One flow log record of a censorsim process ({@code 127.0.0.1:42750 -> 127.0.0.1:9443 ... end=reset}), which may
     * start in the middle of another process's line: a block's background proxies and its foreground command share one
     * output, and curl writes its error message in more than one write.
     */
    private static final Pattern FLOW_RECORD = Pattern.compile(
            "(?:\\d{1,3}(?:\\.\\d{1,3}){3}|\\[[0-9A-Fa-f:.]+]):\\d+ -> \\S+ [^\\n]*?end=\\S+\\n");

    private ReadmeWalkthrough() {
    }

    /** A block's directives; {@code skip} is null when the block runs. */
    record Directives(String skip, Map<String, String> skipLines, boolean root, List<String> expects,
                      Set<Integer> exits, int timeoutSeconds) {
    }

    /** A shell block: {@code line} is the 1-based README line of its opening fence. */
    record Block(int line, List<String> lines, Directives directives) {
    }

    /** Thrown for a directive the walk-through does not know, naming its README line. */
    /**
     * Whether a block's output holds {@code expected}: as it is, or once the flow log records of the block's background
     * censorsim processes are taken out, wherever they landed in it.
     */
    static boolean outputHolds(String output, String expected) {
        return output.contains(expected) || FLOW_RECORD.matcher(output).replaceAll("").contains(expected);
    }

    static final class DirectiveException extends IllegalArgumentException {
        DirectiveException(String message) {
            super(message);
        }
    }

    /** Every {@code sh}/{@code bash} block of {@code readme}, in order. */
    static List<Block> parse(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Matcher open = FENCE.matcher(readme.get(i));
            if (!open.matches() || open.group(2).isEmpty()) {
                continue;
            }
            String indent = open.group(1);
            String language = open.group(2);
            int close = i + 1;
            while (close < readme.size() && !readme.get(close).strip().equals("```")) {
                close++;
            }
            if (language.equals("sh") || language.equals("bash")) {
                List<String> lines = new ArrayList<>();
                for (int j = i + 1; j < close; j++) {
                    String line = readme.get(j);
                    lines.add(line.startsWith(indent) ? line.substring(indent.length()) : line.stripLeading());
                }
                blocks.add(new Block(i + 1, List.copyOf(lines), directives(readme, i)));
            }
            i = close;
        }
        return List.copyOf(blocks);
    }

    private static Directives directives(List<String> readme, int fence) {
        int first = fence;
        while (first > 0 && DIRECTIVE.matcher(readme.get(first - 1)).matches()) {
            first--;
        }
        String skip = null;
        Map<String, String> skipLines = new LinkedHashMap<>();
        boolean root = false;
        List<String> expects = new ArrayList<>();
        Set<Integer> exits = new TreeSet<>();
        int timeout = DEFAULT_TIMEOUT_SECONDS;
        for (int k = first; k < fence; k++) {
            Matcher m = DIRECTIVE.matcher(readme.get(k));
            m.matches();
            String body = m.group(1);
            String where = "README.md:" + (k + 1) + ": ";
            Matcher skipLine = SKIP_LINE.matcher(body);
            if (skipLine.matches()) {
                skipLines.put(skipLine.group(1), skipLine.group(2));
            } else if (body.equals("root")) {
                root = true;
            } else if (body.startsWith("skip:")) {
                skip = nonEmpty(body.substring(5), where + "skip needs a reason");
            } else if (body.startsWith("expect:")) {
                expects.add(nonEmpty(body.substring(7), where + "expect needs a text"));
            } else if (body.startsWith("exit:")) {
                for (String status : body.substring(5).split(",")) {
                    exits.add(number(status, where + "exit: expected statuses like 35 or 1,35"));
                }
            } else if (body.startsWith("timeout:")) {
                timeout = number(body.substring(8), where + "timeout: expected seconds");
            } else {
                throw new DirectiveException(where + "unknown walk directive '" + body
                        + "'; expected skip:, skip-line `PREFIX`:, root, expect:, exit: or timeout:");
            }
        }
        return new Directives(skip, Map.copyOf(skipLines), root, List.copyOf(expects), Set.copyOf(exits), timeout);
    }

    private static String nonEmpty(String value, String error) {
        String v = value.strip();
        if (v.isEmpty()) {
            throw new DirectiveException(error);
        }
        return v;
    }

    private static int number(String value, String error) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new DirectiveException(error);
        }
    }

    /**
     * The bash script for the blocks that run, in order, in one shell. Markers it prints (each on its own line):
     * {@code @@walk pgid N}, {@code @@walk begin LINE}, {@code @@walk err STATUS COMMAND}, {@code @@walk end LINE
     * JOBS} (JOBS: background jobs still running), {@code @@walk done}. Its first argument is the file its output goes
     * to (the readiness lines of background servers are read back from it).
     */
    static String script(List<Block> blocks) {
        StringBuilder s = new StringBuilder();
        s.append(PREAMBLE);
        for (Block block : blocks) {
            if (block.directives().skip() != null) {
                continue;
            }
            s.append("\necho \"@@walk begin ").append(block.line()).append("\"\n");
            appendBlock(s, block);
            // A leading newline: the block's last output may not end its line (curl -s).
            s.append("printf '\\n@@walk end ").append(block.line()).append(" %s\\n' \"$(jobs -pr | wc -l)\"\n");
        }
        s.append("echo \"@@walk done\"\n");
        return s.toString();
    }

    /** The block's lines with a readiness wait after each background command and skipped commands left out. */
    private static void appendBlock(StringBuilder s, Block block) {
        List<String> lines = block.lines();
        String heredocEnd = null;
        boolean heredocTabs = false;
        boolean skipping = false;
        List<String> command = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int readmeLine = block.line() + 1 + i;
            if (heredocEnd != null) {
                if (!skipping) {
                    s.append(line).append('\n');
                }
                if ((heredocTabs ? line.stripLeading() : line).equals(heredocEnd)) {
                    heredocEnd = null;
                }
                continue;
            }
            if (command.isEmpty()) {
                skipping = skipped(line, block.directives());
            }
            command.add(line);
            Matcher heredoc = HEREDOC.matcher(line);
            if (heredoc.find()) {
                heredocEnd = heredoc.group(3);
                heredocTabs = !heredoc.group(1).isEmpty();
            }
            if (line.endsWith("\\") && i + 1 < lines.size()) {
                continue;
            }
            if (skipping) {
                s.append("# walk: skipped README line ").append(readmeLine - command.size() + 1).append('\n');
            } else {
                boolean background = BACKGROUND.matcher(line).find();
                if (background) {
                    s.append("walk_mark\n");
                }
                command.forEach(c -> s.append(c).append('\n'));
                if (background) {
                    s.append("walk_ready $! ").append(readmeLine - command.size() + 1).append(' ')
                            .append(isCensorsim(command.get(0)) ? "censorsim" : "listen").append('\n');
                }
            }
            command.clear();
        }
    }

    private static boolean skipped(String line, Directives directives) {
        String start = line.stripLeading();
        return directives.skipLines().keySet().stream().anyMatch(start::startsWith);
    }

    /** censorsim prints a readiness line once its listeners and signal handlers are in place. */
    static boolean isCensorsim(String command) {
        String c = command.stripLeading();
        if (c.startsWith("sudo ")) {
            c = c.substring(5).stripLeading();
        }
        String first = c.split("\\s+", 2)[0];
        return first.endsWith("censorsim") || first.endsWith("censorsim.jar");
    }

    /** Whether {@code block} runs: not skipped, and not needing root unless the runner is root. */
    static boolean runs(Block block, boolean root) {
        return block.directives().skip() == null && (root || !block.directives().root());
    }

    private static final String PREAMBLE = """
            # Generated by ReadmeWalkthrough from README.md: its shell blocks in order, in one shell.
            walk_log="$1"
            echo "@@walk pgid $$"
            walk_err() { local c="${2//$'\\n'/ }"; printf '\\n@@walk err %s %s\\n' "$1" "$c"; }
            trap 'walk_err $? "$BASH_COMMAND"' ERR
            # As root, 'sudo CMD' is CMD when sudo is not installed (CI containers run as root without it).
            if [ "$(id -u)" = 0 ] && ! command -v sudo >/dev/null 2>&1; then sudo() { "$@"; }; fi
            walk_readiness_lines() { grep -c 'press Ctrl-C to stop' "$walk_log" 2>/dev/null || true; }
            walk_mark() { walk_before=$(walk_readiness_lines); }
            walk_tree() {
              echo "$1"
              local c
              for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do walk_tree "$c"; done
            }
            walk_listening() {
              local pids
              pids=$(walk_tree "$1" | paste -sd '|')
              ss -Htulpn 2>/dev/null | grep -E "pid=($pids)," | awk '{print $1, $5}' | sort
            }
            # Waits until a background command is ready: a censorsim command when it has printed its readiness line,
            # any other once it holds a listening socket and its set of sockets has not changed for a second.
            # At most 120 s; fails when the command exits first.
            walk_ready() {
              local pid=$1 line=$2 kind=$3 i now prev="" same=0
              if [ "$kind" = listen ] && ! command -v ss >/dev/null 2>&1; then
                echo "@@walk: 'ss' is missing: install the Debian package iproute2"; return 1
              fi
              for ((i = 0; i < 600; i++)); do
                if ! kill -0 "$pid" 2>/dev/null; then
                  echo "@@walk: the background command on README line $line exited before it was ready"; return 1
                fi
                if [ "$kind" = censorsim ]; then
                  [ "$(walk_readiness_lines)" -gt "$walk_before" ] && return 0
                else
                  now=$(walk_listening "$pid")
                  if [ -n "$now" ] && [ "$now" = "$prev" ]; then
                    same=$((same + 1)); [ "$same" -ge 5 ] && return 0
                  else
                    same=0
                  fi
                  prev=$now
                fi
                sleep 0.2
              done
              echo "@@walk: the background command on README line $line was not ready after 120 s"; return 1
            }
            walk_stop() {
              local j
              j=$(jobs -pr)
              if [ -n "$j" ]; then kill $j 2>/dev/null; fi
            }
            trap walk_stop EXIT
            """;
}
