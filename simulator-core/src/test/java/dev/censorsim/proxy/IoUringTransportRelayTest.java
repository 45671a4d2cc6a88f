package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The io_uring transport ({@code -Dcensorsim.transport=io_uring}, an explicit choice) relays like the default: the
 * proxy is bound on io_uring here, whatever the default. Needs a kernel that allows io_uring (5.9 or later, not
 * disabled by {@code kernel.io_uring_disabled} or a seccomp filter), as the CI machine's does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringTransportRelayTest extends TransportRelayChecks {

    @BeforeAll
    static void ioUringLoads() {
        assertThat(IoUring.isAvailable()).as("io_uring: %s", IoUring.unavailabilityCause()).isTrue();
    }

    @Override
    Transport transport() {
        return Transport.IO_URING;
    }
}
