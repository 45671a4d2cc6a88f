package dev.censorsim.capture;

import dev.censorsim.trace.FrameBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderFlyweightsTest {

    private static final byte[] CLIENT4 = {10, 0, 0, 1};
    private static final byte[] SERVER4 = {(byte) 203, 0, 113, 5};
    private static final byte[] CLIENT6 = ipv6(0x11);
    private static final byte[] SERVER6 = ipv6(0x22);

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();

    private static byte[] ipv6(int last) {
        byte[] address = new byte[16];
        address[0] = 0x20;
        address[1] = 0x01;
        address[2] = 0x0d;
        address[3] = (byte) 0xb8;
        address[15] = (byte) last;
        return address;
    }

    @Test
    void tcpOverIpv4ShouldExposePortsFlagsAndPayload() {
        byte[] frame = FrameBuilder.tcp(CLIENT4, 40_000, SERVER4, 443, 1000, 0, FrameBuilder.TCP_PSH | FrameBuilder.TCP_ACK,
                new byte[] {1, 2, 3}, 0, 3, FrameBuilder.NO_VLAN);
        ByteBuf buffer = Unpooled.wrappedBuffer(frame);

        assertThat(ethernet.wrap(buffer, 0, frame.length)).isTrue();
        assertThat(ethernet.etherType()).isEqualTo(EthernetFlyweight.ETHER_TYPE_IPV4);
        assertThat(ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength())).isTrue();
        assertThat(ipv4.protocol()).isEqualTo(6);
        assertThat(ipv4.source()).isEqualTo(0x0a000001);
        assertThat(ipv4.isFragment()).isFalse();
        assertThat(tcp.wrap(buffer, ipv4.payloadOffset(), ipv4.payloadLength())).isTrue();
        assertThat(tcp.sourcePort()).isEqualTo(40_000);
        assertThat(tcp.destinationPort()).isEqualTo(443);
        assertThat(tcp.sequence()).isEqualTo(1000);
        assertThat(tcp.hasFlag(TcpFlyweight.PSH)).isTrue();
        assertThat(tcp.hasFlag(TcpFlyweight.SYN)).isFalse();
        assertThat(tcp.payloadLength()).isEqualTo(3);
        assertThat(buffer.getByte(tcp.payloadOffset() + 2)).isEqualTo((byte) 3);
    }

    @Test
    void ethernetPaddingShouldNotCountAsIpv4Payload() {
        byte[] frame = FrameBuilder.tcp(CLIENT4, 1, SERVER4, 2, 0, 0, FrameBuilder.TCP_SYN, new byte[0], 0, 0,
                FrameBuilder.NO_VLAN);
        byte[] padded = java.util.Arrays.copyOf(frame, 60);
        ByteBuf buffer = Unpooled.wrappedBuffer(padded);

        ethernet.wrap(buffer, 0, padded.length);
        assertThat(ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength())).isTrue();
        assertThat(tcp.wrap(buffer, ipv4.payloadOffset(), ipv4.payloadLength())).isTrue();
        assertThat(tcp.payloadLength()).as("6 bytes of Ethernet padding").isZero();
    }

    @Test
    void qinqTagsShouldBeSkipped() {
        byte[] tagged = FrameBuilder.udp(CLIENT4, 5000, SERVER4, 53, new byte[4], 0, 4, 100);
        // Insert an outer 802.1ad tag in front of the 802.1Q one.
        byte[] qinq = new byte[tagged.length + 4];
        System.arraycopy(tagged, 0, qinq, 0, 12);
        qinq[12] = (byte) 0x88;
        qinq[13] = (byte) 0xa8;
        qinq[15] = 7;
        System.arraycopy(tagged, 12, qinq, 16, tagged.length - 12);
        ByteBuf buffer = Unpooled.wrappedBuffer(qinq);

        assertThat(ethernet.wrap(buffer, 0, qinq.length)).isTrue();
        assertThat(ethernet.vlanTags()).isEqualTo(2);
        assertThat(ethernet.etherType()).isEqualTo(EthernetFlyweight.ETHER_TYPE_IPV4);
        assertThat(ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength())).isTrue();
        assertThat(udp.wrap(buffer, ipv4.payloadOffset(), ipv4.payloadLength())).isTrue();
        assertThat(udp.destinationPort()).isEqualTo(53);
    }

    @Test
    void frameOfOnlyVlanTagsShouldBeRejected() {
        ByteBuf buffer = Unpooled.buffer();
        buffer.writeZero(12);
        for (int i = 0; i < 6; i++) {
            buffer.writeShort(0x8100).writeShort(1);
        }

        assertThat(ethernet.wrap(buffer, 0, buffer.readableBytes())).isFalse();
    }

    @Test
    void udpOverIpv6ShouldWalkExtensionHeaders() {
        byte[] frame = FrameBuilder.udp(CLIENT6, 5000, SERVER6, 443, new byte[20], 0, 20, FrameBuilder.NO_VLAN);
        // Rebuild with a hop-by-hop (8 bytes) and a destination-options header (16 bytes) before UDP.
        int ip = 14;
        byte[] extended = new byte[frame.length + 24];
        System.arraycopy(frame, 0, extended, 0, ip + 40);
        extended[ip + 6] = 0;
        int payloadLength = ((frame[ip + 4] & 0xff) << 8 | (frame[ip + 5] & 0xff)) + 24;
        extended[ip + 4] = (byte) (payloadLength >>> 8);
        extended[ip + 5] = (byte) payloadLength;
        extended[ip + 40] = 60;
        extended[ip + 41] = 0;
        extended[ip + 48] = 17;
        extended[ip + 49] = 1;
        System.arraycopy(frame, ip + 40, extended, ip + 64, frame.length - ip - 40);
        ByteBuf buffer = Unpooled.wrappedBuffer(extended);

        assertThat(ipv6.wrap(buffer, ip, extended.length - ip)).isTrue();
        assertThat(ipv6.protocol()).isEqualTo(17);
        assertThat(ipv6.payloadOffset()).isEqualTo(ip + 64);
        assertThat(ipv6.sourceHigh()).isEqualTo(0x20010db800000000L);
        assertThat(ipv6.sourceLow()).isEqualTo(0x11L);
        assertThat(udp.wrap(buffer, ipv6.payloadOffset(), ipv6.payloadLength())).isTrue();
        assertThat(udp.datagramLength()).isEqualTo(20);
    }

    @Test
    void ipv6NonFirstFragmentShouldBeFlagged() {
        ByteBuf buffer = Unpooled.buffer();
        buffer.writeByte(0x60).writeZero(3).writeShort(16).writeByte(44).writeByte(64).writeZero(32);
        buffer.writeByte(17).writeByte(0).writeShort(185 << 3).writeInt(99);
        buffer.writeZero(8);

        assertThat(ipv6.wrap(buffer, 0, buffer.readableBytes())).isTrue();
        assertThat(ipv6.isFragment()).isTrue();
        assertThat(ipv6.isFirstFragment()).isFalse();
    }

    @Test
    void extensionHeaderPastTheCaptureShouldBeRejected() {
        ByteBuf buffer = Unpooled.buffer();
        buffer.writeByte(0x60).writeZero(3).writeShort(64).writeByte(0).writeByte(64).writeZero(32);
        buffer.writeByte(17).writeByte(20).writeZero(6);

        assertThat(ipv6.wrap(buffer, 0, buffer.readableBytes())).isFalse();
    }

    @Test
    void ipv4FragmentsShouldBeFlagged() {
        byte[] frame = FrameBuilder.udp(CLIENT4, 5000, SERVER4, 53, new byte[4], 0, 4, FrameBuilder.NO_VLAN);
        frame[14 + 6] = 0x00;
        frame[14 + 7] = 0x10;
        ByteBuf buffer = Unpooled.wrappedBuffer(frame);

        assertThat(ipv4.wrap(buffer, 14, frame.length - 14)).isTrue();
        assertThat(ipv4.isFragment()).isTrue();
        assertThat(ipv4.isFirstFragment()).isFalse();
    }

    @Test
    void malformedHeadersShouldBeRejected() {
        byte[] frame = FrameBuilder.tcp(CLIENT4, 1, SERVER4, 2, 0, 0, FrameBuilder.TCP_SYN, new byte[0], 0, 0,
                FrameBuilder.NO_VLAN);
        ByteBuf buffer = Unpooled.wrappedBuffer(frame);

        assertThat(ipv4.wrap(buffer, 14, 19)).as("shorter than 20 bytes").isFalse();
        frame[14] = 0x44;
        assertThat(ipv4.wrap(buffer, 14, frame.length - 14)).as("IHL 4").isFalse();
        frame[14] = 0x45;
        frame[34 + 12] = 0x40;
        assertThat(tcp.wrap(buffer, 34, frame.length - 34)).as("data offset 4").isFalse();
        frame[34 + 12] = (byte) 0xf0;
        assertThat(tcp.wrap(buffer, 34, frame.length - 34)).as("data offset beyond the segment").isFalse();
        assertThat(udp.wrap(buffer, 34, 7)).isFalse();
    }
}
