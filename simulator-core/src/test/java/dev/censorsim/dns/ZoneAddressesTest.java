package dev.censorsim.dns;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Zone#addresses}: the in-process lookup a lab's proxies resolve target names with. */
class ZoneAddressesTest {

    private final Zone zone = Zone.builder("lab.test")
            .a("g.lab.test", "127.0.0.1").aaaa("g.lab.test", "::1")
            .cname("media.lab.test", "g.lab.test")
            .cname("loop1.lab.test", "loop2.lab.test").cname("loop2.lab.test", "loop1.lab.test")
            .build();

    @Test
    void addressesShouldListIpv4BeforeIpv6IgnoringCaseAndTrailingDot() throws Exception {
        assertThat(zone.addresses("G.Lab.Test.")).containsExactly(InetAddress.getByName("127.0.0.1"),
                InetAddress.getByName("::1"));
    }

    @Test
    void addressesShouldFollowCnamesInsideTheZone() throws Exception {
        assertThat(zone.addresses("media.lab.test")).startsWith(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void addressesShouldBeEmptyOutsideTheZoneForUnknownNamesAndForCnameLoops() {
        assertThat(zone.addresses("example.org")).isEmpty();
        assertThat(zone.addresses("nothing.lab.test")).isEmpty();
        assertThat(zone.addresses("loop1.lab.test")).isEmpty();
    }
}
