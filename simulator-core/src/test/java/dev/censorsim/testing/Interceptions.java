package dev.censorsim.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a test needs to drive transparent interception (root, iproute2, nftables), and proof that an interception left
 * nothing behind. Pins the naming scheme of {@code dev.censorsim.transparent.InterceptionId}: namespace
 * {@code censorsim-PID-SEQ}, links {@code csPID-SEQh/n}, table {@code inet censorsim_PID_SEQ}, mark and routing table
 * {@code 0x40000000 | PID << 8 | SEQ}.
 */
public final class Interceptions {

    private static final Pattern NAMESPACE = Pattern.compile("censorsim-(\\d+)-(\\d+)");

    private Interceptions() {
    }

    /** Fails, saying what to do, unless the test runs as root with ip and nft installed. */
    public static void requireRootTools() throws Exception {
        Tools.require("ip", "apt-get install iproute2");
        Tools.require("nft", "apt-get install nftables");
        Tools.require("setpriv", "apt-get install util-linux");
        ProcessResult id = run("id", "-u");
        assertThat(id.stdout().strip()).as("transparent interception needs root (CI runs as root); run as root")
                .isEqualTo("0");
    }

    public static ProcessResult run(String... command) throws Exception {
        return Processes.run(List.of(command), Duration.ofSeconds(30));
    }

    /** Asserts that no namespace, link, nft table, rule or route of the interception {@code namespace} is left. */
    public static void assertNothingLeft(String namespace) throws Exception {
        Matcher m = NAMESPACE.matcher(namespace);
        assertThat(m.matches()).as("an interception namespace name: %s", namespace).isTrue();
        long pid = Long.parseLong(m.group(1));
        int seq = Integer.parseInt(m.group(2));
        assertThat(run("ip", "netns", "list").stdout()).as("namespaces").doesNotContain(namespace + " ")
                .doesNotContainPattern("(?m)^" + namespace + "$");
        assertThat(run("ip", "-o", "link", "show").stdout()).as("links")
                .doesNotContain("cs" + pid + "-" + seq + "h").doesNotContain("cs" + pid + "-" + seq + "n");
        assertThat(run("nft", "list", "tables").stdout()).as("nft tables")
                .doesNotContainPattern("censorsim_" + pid + "_" + seq + "\\b");
        String table = Long.toString(0x4000_0000L | pid << 8 | seq);
        for (String family : List.of("-4", "-6")) {
            assertThat(run("ip", family, "rule", "show").stdout()).as("ip %s rules", family).doesNotContain(table);
            ProcessResult routes = run("ip", family, "route", "show", "table", table);
            assertThat(routes.stdout()).as("ip %s routes of table %s", family, table).isBlank();
        }
        assertThat(Path.of("/etc/netns", namespace)).doesNotExist();
    }
}
