package dev.censorsim.transparent;

import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crash sweep's rules and routes, in a network namespace this test creates and removes (root, iproute2), so no
 * table of the host is ever touched.
 */
class LeftoverSweepTest {

    private static final AtomicInteger SEQ = new AtomicInteger();

    @Test
    void sweepShouldRemoveStaleRoutesWithoutARuleAndLeaveALiveRunsTable() throws Exception {
        Tools.require("ip", "apt-get install -y iproute2");
        long deadPid = deadPid();
        long livePid = ProcessHandle.current().parent().orElseThrow().pid();
        String orphan = table(deadPid, 1);   // crashed between adding the routes and the rule
        String complete = table(deadPid, 2); // crashed with both in place
        String live = table(livePid, 3);     // another process's run, still going
        String ns = "cssweep-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
        Commands.run("ip", "netns", "add", ns);
        try {
            Commands.run("ip", "-n", ns, "link", "set", "lo", "up");
            for (String t : List.of(orphan, complete, live)) {
                Commands.run("ip", "-n", ns, "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", t);
                Commands.run("ip", "-n", ns, "-6", "route", "add", "local", "::/0", "dev", "lo", "table", t);
            }
            for (String t : List.of(complete, live)) {
                Commands.run("ip", "-n", ns, "rule", "add", "fwmark", t, "lookup", t);
                Commands.run("ip", "-n", ns, "-6", "rule", "add", "fwmark", t, "lookup", t);
            }

            List<String> removed = LeftoverSweep.sweepRoutingTables(List.of("ip", "-n", ns));

            assertThat(removed).contains("ip -4 routes of table " + orphan, "ip -6 routes of table " + orphan,
                    "ip -4 routes of table " + complete, "ip -6 routes of table " + complete,
                    "ip -4 rule fwmark " + complete + " lookup " + complete,
                    "ip -6 rule fwmark " + complete + " lookup " + complete);
            assertThat(removed).noneMatch(line -> line.contains(live));
            for (String family : List.of("-4", "-6")) {
                assertThat(Commands.run("ip", "-n", ns, family, "route", "show", "table", orphan)).isBlank();
                assertThat(Commands.run("ip", "-n", ns, family, "route", "show", "table", complete)).isBlank();
                assertThat(Commands.run("ip", "-n", ns, family, "route", "show", "table", live)).isNotBlank();
                assertThat(Commands.run("ip", "-n", ns, family, "rule", "show"))
                        .doesNotContain("lookup " + complete).contains("lookup " + live);
            }
        } finally {
            Commands.tryRun("ip", "netns", "del", ns);
        }
        assertThat(Commands.run("ip", "netns", "list")).as("the namespace is gone").doesNotContain(ns);
    }

    @Test
    void anotherProgramsTableInOurRangeShouldBeLeftAlone() throws Exception {
        Tools.require("ip", "apt-get install -y iproute2");
        // Mullvad VPN's fwmark and table, 0x6d6f6c65, decodes as censorsim's table of pid 2977644, seq 101: a pid that
        // is not running (and cannot exist where pid_max is 32768). The sweep flushed the VPN's routes.
        String mullvad = "1836018789";
        String foreign = table(deadPid(), 4); // a dead pid's number too, but holding a route censorsim never adds
        String ns = "cssweep-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
        Commands.run("ip", "netns", "add", ns);
        try {
            Commands.run("ip", "-n", ns, "link", "set", "lo", "up");
            Commands.run("ip", "-n", ns, "route", "add", "blackhole", "192.0.2.0/24", "table", mullvad);
            Commands.run("ip", "-n", ns, "rule", "add", "not", "fwmark", mullvad, "lookup", mullvad);
            Commands.run("ip", "-n", ns, "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", foreign);
            Commands.run("ip", "-n", ns, "route", "add", "unreachable", "198.51.100.0/24", "table", foreign);
            Commands.run("ip", "-n", ns, "rule", "add", "fwmark", foreign, "lookup", foreign);

            List<String> removed = LeftoverSweep.sweepRoutingTables(List.of("ip", "-n", ns));

            assertThat(removed).noneMatch(line -> line.contains(mullvad) || line.contains(foreign));
            assertThat(Commands.run("ip", "-n", ns, "route", "show", "table", mullvad)).contains("blackhole");
            assertThat(Commands.run("ip", "-n", ns, "route", "show", "table", foreign)).contains("unreachable");
            assertThat(Commands.run("ip", "-n", ns, "rule", "show"))
                    .contains("lookup " + mullvad).contains("lookup " + foreign);
        } finally {
            Commands.tryRun("ip", "netns", "del", ns);
        }
        assertThat(Commands.run("ip", "netns", "list")).as("the namespace is gone").doesNotContain(ns);
    }

    /** The routing table number of an interception of process {@code pid} (see {@link InterceptionId#mark()}). */
    private static String table(long pid, int seq) {
        return Long.toString(InterceptionId.TABLE_BASE | pid << 8 | seq);
    }

    /** The pid of a process that has exited (reaped), so no run of it can be alive. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.pid();
    }
}
