package dev.censorsim.messenger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessengerTrustTest {

    @Test
    void pemFileShouldRoundTripTheServerCa(@TempDir Path dir) throws Exception {
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("g.whatsapp.net")).build())) {
            Path file = dir.resolve("ca.pem");
            server.trust().writePem(file);

            MessengerTrust read = MessengerTrust.readPem(file);

            assertThat(Files.readString(file)).startsWith("-----BEGIN CERTIFICATE-----\n");
            assertThat(read.authorities()).isEqualTo(server.trust().authorities());
        }
    }

    @Test
    void fileWithoutCertificateShouldBeRejectedWithItsName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("empty.pem");
        Files.writeString(file, "not a certificate");

        assertThatThrownBy(() -> MessengerTrust.readPem(file)).hasMessageContaining("empty.pem");
    }

    @Test
    void serverOptionsShouldRejectNamesThatAreNotDnsNames() {
        assertThatThrownBy(() -> MessengerServerOptions.builder().names(List.of("bad name")).build())
                .hasMessageContaining("not a DNS name");
        assertThatThrownBy(() -> MessengerServerOptions.builder().build()).hasMessageContaining("at least one name");
    }
}
