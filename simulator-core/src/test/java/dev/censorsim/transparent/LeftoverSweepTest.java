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
