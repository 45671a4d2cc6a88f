package dev.censorsim.proxy.udp;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.FlowPolicy;
import dev.censorsim.proxy.FlowVerdict;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The client-to-names registry that ties a call to its signalling. */
class FlowNamesTest {

    private final AtomicLong clock = new AtomicLong();
    private final FlowNames names = new FlowNames(Duration.ofMinutes(10), clock::get);
    private final InetAddress alice = address("10.0.0.1");
    private final InetAddress bob = address("10.0.0.2");

    @Test
    void namesShouldBeKeptPerClientMostRecentFirstWithoutDuplicates() {
        names.record(alice, "g.whatsapp.net");
        clock.addAndGet(1_000);
        names.record(alice, "example.org");
        names.record(alice, "G.WhatsApp.net");

        assertThat(names.recent(alice)).containsExactly("G.WhatsApp.net", "example.org");
        assertThat(names.recent(bob)).isEmpty();
    }

    @Test
    void namesShouldExpireTheirTtlAfterTheyWereLastSeen() {
        names.record(alice, "g.whatsapp.net");
        clock.addAndGet(Duration.ofMinutes(9).toNanos());
        names.record(alice, "example.org");
        clock.addAndGet(Duration.ofMinutes(2).toNanos());

        assertThat(names.recent(alice)).as("the first name is 11 minutes old").containsExactly("example.org");
    }

    @Test
    void eachClientShouldKeepOnlyItsMostRecentNames() {
        for (int i = 0; i < FlowNames.MAX_NAMES_PER_CLIENT + 5; i++) {
            names.record(alice, "host" + i + ".test");
        }

        List<String> recent = names.recent(alice);
        assertThat(recent).hasSize(FlowNames.MAX_NAMES_PER_CLIENT).startsWith("host20.test").doesNotContain("host4.test");
    }

    @Test
    void recordingPolicyShouldNoteEachTcpFlowsServerNameAndAskForContent() {
        // A policy with no rules: it passes every flow and needs no content of its own.
        Supplier<FlowPolicy> inner = FlowPolicy.of(new PolicyHolder(CompiledPolicy.empty()));
        FlowPolicy recording = names.recording(inner).get();

        FlowVerdict verdict = recording.evaluate(new FlowFacts(new InetSocketAddress(alice, 50000),
                new InetSocketAddress(bob, 443), null,
                new StreamClassification(Protocol.TLS, "g.whatsapp.net", null, List.of(), false, false)));

        assertThat(verdict).isSameAs(FlowVerdict.PASS);
        assertThat(recording.needsContent()).as("names are only seen when the proxy classifies").isTrue();
        assertThat(names.recent(alice)).containsExactly("g.whatsapp.net");
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress(io.netty.util.NetUtil.createByteArrayFromIpAddressString(literal));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
