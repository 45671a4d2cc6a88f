package dev.censorsim.transparent;

import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Processes;
import dev.censorsim.testing.Tools;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a test needs to drive interception (root, iproute2, nftables) and to prove an interception left nothing. */
final class KernelObjects {

    private KernelObjects() {
    }

    /** Fails, saying what to do, unless the test runs as root with ip and nft installed. */
    static void requireRootTools() throws Exception {
        Tools.require("ip", "apt-get install iproute2");
        Tools.require("nft", "apt-get install nftables");
        Tools.require("setpriv", "apt-get install util-linux");
        ProcessResult id = run("id", "-u");
        assertThat(id.stdout().strip()).as("transparent interception needs root (CI runs as root); run as root")
                .isEqualTo("0");
    }

    static ProcessResult run(String... command) throws Exception {
        return Processes.run(List.of(command), Duration.ofSeconds(30));
    }

    /** Asserts that no namespace, link, nft table, rule or route of interception {@code id} is left. */
    static void assertNothingLeft(InterceptionId id) throws Exception {
        assertThat(run("ip", "netns", "list").stdout()).as("namespaces").doesNotContain(id.namespace());
        assertThat(run("ip", "-o", "link", "show").stdout()).as("links")
                .doesNotContain(id.hostLink()).doesNotContain(id.namespaceLink());
        assertThat(run("nft", "list", "tables").stdout()).as("nft tables").doesNotContain(id.nftTable());
        String table = Long.toString(id.mark());
        for (String family : List.of("-4", "-6")) {
            assertThat(run("ip", family, "rule", "show").stdout()).as("ip %s rules", family).doesNotContain(table);
            ProcessResult routes = run("ip", family, "route", "show", "table", table);
            assertThat(routes.stdout()).as("ip %s routes of table %s", family, table).isBlank();
        }
        assertThat(NamespaceInterception.ETC_NETNS.resolve(id.namespace())).doesNotExist();
    }
}
