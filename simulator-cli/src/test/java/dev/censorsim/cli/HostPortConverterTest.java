package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostPortConverterTest {

    @Test
    void shouldParseIpv4HostAndPort() {
        assertThat(HostPortConverter.parse("127.0.0.1:8443")).isEqualTo(new InetSocketAddress("127.0.0.1", 8443));
    }

    @Test
    void shouldParseBracketedIpv6() {
        InetSocketAddress a = HostPortConverter.parse("[::1]:1080");

        assertThat(a.getAddress().isLoopbackAddress()).isTrue();
        assertThat(a.getAddress().getAddress()).hasSize(16);
        assertThat(a.getPort()).isEqualTo(1080);
    }

    @Test
    void barePortShouldMeanLoopback() {
        assertThat(HostPortConverter.parse("1080")).isEqualTo(new InetSocketAddress("127.0.0.1", 1080));
    }

    @Test
    void unbracketedIpv6ShouldBeRejectedWithAHint() {
        assertThatThrownBy(() -> HostPortConverter.parse("::1:1080"))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("[ADDRESS]:PORT");
    }

    @Test
    void nonNumericPortShouldBeRejected() {
        assertThatThrownBy(() -> HostPortConverter.parse("localhost:http"))
                .hasMessageContaining("port 'http' is not a number");
    }

    @Test
    void formatShouldRoundTripWithoutJavasLeadingSlash() {
        assertThat(HostPortConverter.format(HostPortConverter.parse("127.0.0.1:8443"))).isEqualTo("127.0.0.1:8443");
        assertThat(HostPortConverter.format(HostPortConverter.parse("[::1]:1080"))).isEqualTo("[0:0:0:0:0:0:0:1]:1080");
    }
}
