package dev.censorsim.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link LoopGuard#isLocal}: which addresses are this host's, and a stale snapshot of the interfaces refreshed on a
 * thread of its own, not on the caller (an event loop).
 */
@Timeout(30)
class LoopGuardLocalAddressesTest {

    /** RFC 5737 TEST-NET-1: never an address of this host. */
    private static final byte[] TEST_NET = {(byte) 192, 0, 2, 1};

    @Test
    void loopbackWildcardAndThisHostsAddressesShouldBeLocalAndOthersNot() throws Exception {
        assertThat(LoopGuard.isLocal(InetAddress.getLoopbackAddress())).isTrue();
        assertThat(LoopGuard.isLocal(InetAddress.getByAddress(new byte[4]))).as("0.0.0.0").isTrue();
        assertThat(LoopGuard.isLocal(InetAddress.getByAddress(TEST_NET))).isFalse();
        Optional<InetAddress> own = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
        assumeTrue(own.isPresent(), "this host has a non-loopback IPv4 address");
        assertThat(LoopGuard.isLocal(own.get())).as("%s, an address of this host", own.get()).isTrue();
    }

    @Test
    void aStaleSnapshotShouldBeRefreshedOnTheRefresherThreadWhileTheCallerAnswersAtOnce() throws Exception {
        InetAddress elsewhere = InetAddress.getByAddress(TEST_NET);
        LoopGuard.isLocal(elsewhere); // the first snapshot
        // Other tests in this JVM call isLocal too. Start from a snapshot just refreshed, with no refresh in flight,
        // so that nobody else's refresh starts before the test's expiry and ends after it (one did, in a CI run).
        LoopGuard.expireLocalAddressesForTest();
        long expired = LoopGuard.localAddressesReadNanosForTest();
        LoopGuard.isLocal(elsewhere);
        awaitRefreshed(expired);
        LoopGuard.expireLocalAddressesForTest();
        long stale = LoopGuard.localAddressesReadNanosForTest();
        long refreshes = LoopGuard.refreshesForTest();

        for (int i = 0; i < 100; i++) {
            // A hundred stale callers (and any other test's in the meantime) queue one refresh between them.
            assertThat(LoopGuard.isLocal(elsewhere)).isFalse();
        }

        awaitRefreshed(stale);
        assertThat(LoopGuard.refreshesForTest()).as("one refresh run for the hundred calls").isEqualTo(refreshes + 1);
        assertThat(Thread.getAllStackTraces().keySet()).as("by the refresher thread")
                .anyMatch(t -> t.getName().equals("censorsim-local-addresses"));
        assertThat(LoopGuard.localAddressesReadNanosForTest() - System.nanoTime())
                .as("fresh: read within the last TTL").isGreaterThan(-LoopGuard.LOCAL_ADDRESSES_TTL_NANOS);
    }

    /** Waits until a snapshot newer than {@code stale} is in place and no refresh is queued or running. */
    private static void awaitRefreshed(long stale) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((LoopGuard.localAddressesReadNanosForTest() == stale || LoopGuard.refreshingForTest())
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(LoopGuard.localAddressesReadNanosForTest()).as("the snapshot was refreshed").isNotEqualTo(stale);
        assertThat(LoopGuard.refreshingForTest()).as("the refresh has ended").isFalse();
    }
}
