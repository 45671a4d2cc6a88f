package dev.censorsim.cli;

import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Shared listener options. Loopback by default: the proxy is never an open relay by accident. */
public final class ListenOptions {

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:1080",
            converter = HostPortConverter.class,
            description = "Address to listen on (default: ${DEFAULT-VALUE}). A non-loopback address accepts only "
                    + "clients allowed by --allow-client.")
    InetSocketAddress listen;

    @Option(names = "--allow-client", paramLabel = "CIDR",
            description = "Client networks allowed to connect when listening beyond loopback, e.g. 192.0.2.0/24. "
                    + "Repeatable. Loopback clients are always allowed.")
    List<String> allowClients = new ArrayList<>();

    /** Loopback, always, plus the networks given with {@code --allow-client}. */
    List<String> allowedClients() {
        List<String> all = new ArrayList<>(List.of("127.0.0.0/8", "::1/128"));
        all.addAll(allowClients);
        return all;
    }
}
