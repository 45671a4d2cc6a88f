package dev.censorsim.policy;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CidrTest {

    private static boolean in(String cidr, String address) {
        return Cidr.parse(cidr).contains(NetUtil.createByteArrayFromIpAddressString(address));
    }

    @Test
    void ipv4PrefixShouldMatchExactlyItsRange() {
        assertThat(in("10.0.0.0/8", "10.0.0.0")).isTrue();
        assertThat(in("10.0.0.0/8", "10.255.255.255")).isTrue();
        assertThat(in("10.0.0.0/8", "11.0.0.0")).isFalse();
        assertThat(in("10.0.0.0/8", "9.255.255.255")).isFalse();
        assertThat(in("192.168.1.128/25", "192.168.1.128")).isTrue();
        assertThat(in("192.168.1.128/25", "192.168.1.127")).as("the bit below a non-byte-aligned prefix").isFalse();
        assertThat(in("172.16.0.0/12", "172.31.255.255")).isTrue();
        assertThat(in("172.16.0.0/12", "172.32.0.0")).isFalse();
    }

    @Test
    void prefixZeroShouldMatchTheWholeFamilyOnly() {
        assertThat(in("0.0.0.0/0", "255.255.255.255")).isTrue();
        assertThat(in("0.0.0.0/0", "::1")).isFalse();
        assertThat(in("::/0", "2001:db8::1")).isTrue();
        assertThat(in("::/0", "127.0.0.1")).isFalse();
    }

    @Test
    void bareAddressShouldBeAHostRoute() {
        assertThat(Cidr.parse("127.0.0.1").prefixLength()).isEqualTo(32);
        assertThat(Cidr.parse("::1").prefixLength()).isEqualTo(128);
        assertThat(in("127.0.0.1", "127.0.0.1")).isTrue();
        assertThat(in("127.0.0.1", "127.0.0.2")).isFalse();
        assertThat(in("::1/128", "::1")).isTrue();
        assertThat(in("::1/128", "::2")).isFalse();
    }

    @Test
    void ipv6PrefixShouldMatchAcrossCompressedForms() {
        assertThat(in("2001:db8::/32", "2001:0db8:ffff::1")).isTrue();
        assertThat(in("2001:db8::/32", "2001:db9::1")).isFalse();
        assertThat(in("fe80::/10", "febf::1")).isTrue();
        assertThat(in("fe80::/10", "fec0::1")).isFalse();
        assertThat(in("2001:db8:0:0:0:0:0:0/127", "2001:db8::1")).isTrue();
        assertThat(in("2001:db8::/127", "2001:db8::2")).isFalse();
    }

    @Test
    void ipv4MappedIpv6AddressShouldMatchIpv4Networks() {
        assertThat(in("10.0.0.0/8", "::ffff:10.1.2.3")).as("a dual-stack socket reports IPv4 peers like this").isTrue();
        assertThat(in("10.0.0.0/8", "::ffff:11.1.2.3")).isFalse();
        byte[] compatible = new byte[16];
        compatible[12] = 10;
        assertThat(Cidr.parse("10.0.0.0/8").contains(compatible)).as("::10.0.0.0 is not IPv4-mapped").isFalse();
    }

    @Test
    void toStringShouldBeCanonical() {
        assertThat(Cidr.parse("2001:0DB8:0000::/32")).hasToString("2001:db8::/32");
        assertThat(Cidr.parse("10.0.0.0/8")).hasToString("10.0.0.0/8").isEqualTo(Cidr.parse(" 10.0.0.0/8 "));
    }

    @Test
    void malformedInputShouldBeRejectedWithoutNameLookups() {
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("localhost"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("10.0.0.256"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("10.0.0/8"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("10.0.0.0/"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("10.0.0.0/-1"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("10.0.0.0/8/8"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("::1/129"))
                .withMessageContaining("exceeds 128");
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("fe80::1%eth0"));
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("2001:db8::1/32"))
                .withMessageContaining("did you mean 2001:db8::/32?");
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse(null));
    }
}
