package dev.censorsim.transparent;

import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.udp.UdpFlowListener;
import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gateway} on a veth pair into a namespace the test makes, standing in for a VM whose default route points at
 * the host: curl inside is reset on the blocked SNI and served on the other name, the server being a real TLS server
 * on the host side's address; closing removes the table, rules and routes. Needs root, iproute2, nftables, curl and
 * openssl.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayTest {

    private static final String HOST_SIDE = "198.51.100.1";

    @Test
    void vmTrafficOnTheInterfaceShouldBeCensoredAndTheRulesRemovedAfterwards() throws Exception {
        Interceptions.requireRootTools();
        Tools.require("curl", "apt-get install curl");
        long pid = ProcessHandle.current().pid();
        String vm = "csgwtest-" + pid;
        String iface = "gwt" + pid + "h";
        try {
            run("ip", "netns", "add", vm);
            run("ip", "link", "add", iface, "type", "veth", "peer", "name", "gwt" + pid + "n", "netns", vm);
            run("ip", "addr", "add", HOST_SIDE + "/24", "dev", iface);
            run("ip", "link", "set", iface, "up");
            run("ip", "-n", vm, "link", "set", "lo", "up");
            run("ip", "-n", vm, "addr", "add", "198.51.100.2/24", "dev", "gwt" + pid + "n");
            run("ip", "-n", vm, "link", "set", "gwt" + pid + "n", "up");
            run("ip", "-n", vm, "route", "add", "default", "via", HOST_SIDE);

            List<FlowRecord> flows = new CopyOnWriteArrayList<>();
            String table;
            try (OpenSslServer tls = OpenSslServer.startOn(HOST_SIDE, "ok.test", "blocked.test");
                 Gateway gateway = Gateway.start(new GatewayOptions(iface, TransparentRunTest.policy("""
                         rules:
                           - name: sni-reset
                             match: { sni: [blocked.test] }
                             action: { type: reset }
                         """), flows::add, UdpFlowListener.NOOP, Duration.ofMinutes(1), Duration.ofSeconds(10),
                         null))) {
                table = gateway.nftTable();
                ProcessResult blocked = curl(vm, tls, "blocked.test");
                assertThat(blocked.exitCode()).as(blocked.toString()).isIn(35, 56);
                assertThat(blocked.stderr()).contains("Connection reset by peer");

                ProcessResult ok = curl(vm, tls, "ok.test");
                assertThat(ok.exitCode()).as(ok.toString()).isZero();
                assertThat(ok.stdout()).contains("s_server");
            }
            assertThat(flows).anySatisfy(f -> assertThat(f.toLogLine())
                    .contains("sni=blocked.test rule=sni-reset action=reset"));
            assertThat(flows).allSatisfy(f -> assertThat(f.client().getAddress().getHostAddress())
                    .isEqualTo("198.51.100.2"));
            assertThat(Interceptions.run("nft", "list", "tables").stdout()).doesNotContain(table);
            String mark = Long.toString(InterceptionId.parse(InterceptionId.NFT_TABLE, table).mark());
            for (String family : List.of("-4", "-6")) {
                assertThat(Interceptions.run("ip", family, "rule", "show").stdout()).doesNotContain(mark);
                assertThat(Interceptions.run("ip", family, "route", "show", "table", mark).stdout()).isBlank();
            }
        } finally {
            Interceptions.run("ip", "link", "del", iface);
            Interceptions.run("ip", "netns", "del", vm);
        }
    }

    private static ProcessResult curl(String vm, OpenSslServer tls, String name) throws Exception {
        return Interceptions.run("ip", "netns", "exec", vm, "curl", "-sS", "--max-time", "20",
                "--cacert", tls.certificate().toString(),
                "--resolve", name + ":" + tls.port() + ":" + HOST_SIDE, "https://" + name + ":" + tls.port() + "/");
    }

    private static void run(String... command) throws Exception {
        ProcessResult result = Interceptions.run(command);
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }
}
