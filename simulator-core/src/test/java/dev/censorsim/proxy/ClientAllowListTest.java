package dev.censorsim.proxy;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientAllowListTest {

    @Test
    void defaultShouldAllowOnlyLoopback() throws Exception {
        ClientAllowList list = ClientAllowList.LOOPBACK;

        assertThat(list.allows(ip("127.0.0.1"))).isTrue();
        assertThat(list.allows(ip("127.255.0.9"))).isTrue();
        assertThat(list.allows(ip("::1"))).isTrue();
        assertThat(list.allows(ip("10.0.0.1"))).isFalse();
        assertThat(list.allows(ip("192.168.1.20"))).isFalse();
        assertThat(list.allows(ip("::2"))).isFalse();
        assertThat(list.allows(ip("fe80::1"))).isFalse();
    }

    @Test
    void prefixShouldMatchOnBitBoundaries() throws Exception {
        ClientAllowList list = ClientAllowList.parse(List.of("10.1.2.0/23", "2001:db8::/33"));

        assertThat(list.allows(ip("10.1.2.1"))).isTrue();
        assertThat(list.allows(ip("10.1.3.254"))).isTrue();
        assertThat(list.allows(ip("10.1.4.0"))).isFalse();
        assertThat(list.allows(ip("10.1.1.255"))).isFalse();
        assertThat(list.allows(ip("2001:db8:7fff::1"))).isTrue();
        assertThat(list.allows(ip("2001:db8:8000::1"))).isFalse();
    }

    @Test
    void bareAddressShouldMatchOneHost() throws Exception {
        ClientAllowList list = ClientAllowList.parse(List.of("192.0.2.7"));

        assertThat(list.allows(ip("192.0.2.7"))).isTrue();
        assertThat(list.allows(ip("192.0.2.8"))).isFalse();
    }

    @Test
    void ipv4MappedClientShouldMatchIpv4Block() throws Exception {
        ClientAllowList list = ClientAllowList.parse(List.of("192.0.2.0/24"));
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 55};

        assertThat(list.allows(java.net.Inet6Address.getByAddress(null, mapped, -1))).isTrue();
    }

    @Test
    void zeroPrefixShouldAllowEveryoneOfThatFamily() throws Exception {
        ClientAllowList list = ClientAllowList.parse(List.of("0.0.0.0/0"));

        assertThat(list.allows(ip("203.0.113.9"))).isTrue();
        assertThat(list.allows(ip("2001:db8::1"))).as("an IPv4 block says nothing about IPv6").isFalse();
    }

    @Test
    void malformedBlocksShouldBeRejectedWithoutResolving() {
        assertThatThrownBy(() -> ClientAllowList.parse(List.of("localhost/8")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("localhost/8");
        assertThatThrownBy(() -> ClientAllowList.parse(List.of("10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClientAllowList.parse(List.of("10.0.0.0/x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void proxyShouldCloseClientsOutsideTheAllowList() throws Exception {
        // Loopback is the only address a test may use, so exclude it: the proxy must then refuse loopback clients.
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().allowedClients(List.of("10.0.0.0/8"))
                .build());
             java.net.Socket client = new java.net.Socket()) {
            client.connect(proxy.localAddress(), 2_000);
            client.setSoTimeout(5_000);
            client.getOutputStream().write(new byte[] {5, 1, 0});

            assertThat(client.getInputStream().read()).as("closed on accept, no SOCKS reply").isEqualTo(-1);
        }
    }

    private static InetSocketAddress ip(String literal) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(literal), 1);
    }
}
