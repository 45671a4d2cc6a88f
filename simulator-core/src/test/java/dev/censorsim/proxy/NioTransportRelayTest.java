package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

/**
 * The NIO fallback (a JVM without Netty's native epoll, or {@code -Dcensorsim.transport=nio}) keeps relaying while the
 * rest of the suite runs on the default, epoll: the proxy is bound on NIO explicitly here, whatever the default.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NioTransportRelayTest extends TransportRelayChecks {

    @Override
    Transport transport() {
        return Transport.NIO;
    }
}
