package dev.censorsim.cli;

import dev.censorsim.messenger.MessengerServer;
import dev.censorsim.messenger.MessengerServerOptions;
import dev.censorsim.messenger.vpn.VpnEndpoint;
import dev.censorsim.messenger.vpn.VpnKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code censorsim messenger server}: the messenger's TLS server, until SIGINT or SIGTERM. */
@Command(name = "server",
        header = "Serve the messenger's chat and media protocol over TLS for the given names.",
        description = "Generates a CA and a certificate per name at start-up, writes the CA certificate as PEM for "
                + "clients to trust, and runs until SIGINT/SIGTERM.",
        mixinStandardHelpOptions = true)
final class MessengerServerCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--listen", defaultValue = "127.0.0.1:0", paramLabel = "HOST:PORT",
            converter = HostPortConverter.class,
            description = "Where to accept connections; calls and QUIC Initials arrive on UDP at the same port; "
                    + "port 0 picks free ones (default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "" + MessengerServerOptions.DEFAULT_BACKLOG,
            description = "Connections the kernel may queue before the server accepts them; a connect burst beyond "
                    + "it is dropped. The kernel caps it at net.core.somaxconn (default: ${DEFAULT-VALUE}).")
    int backlog;

    @Option(names = "--name", required = true, arity = "1..*", paramLabel = "NAME",
            description = "DNS names to hold certificates for, e.g. g.whatsapp.net mmg.whatsapp.net.")
    List<String> names;

    @Option(names = "--ca-out", paramLabel = "FILE",
            description = "Where to write the CA certificate (default: ca.pem in a new private (0700) directory under "
                    + "the temporary directory, deleted on exit).")
    Path caOut;

    @Option(names = "--vpn", paramLabel = "KIND",
            description = "Also run a VPN endpoint of this kind (wireguard, openvpn, ikev2, shadowsocks, tls) that "
                    + "forwards each tunnelled connection to this server.")
    String vpn;

    @Option(names = "--vpn-listen", defaultValue = "127.0.0.1:0", paramLabel = "HOST:PORT",
            converter = HostPortConverter.class,
            description = "Where the VPN endpoint listens (UDP or TCP by kind); port 0 picks a free one "
                    + "(default: ${DEFAULT-VALUE}).")
    InetSocketAddress vpnListen;

    @Option(names = "--vpn-sni", defaultValue = "www.microsoft.com", paramLabel = "NAME",
            description = "The name a tls endpoint holds a certificate for (default: ${DEFAULT-VALUE}).")
    String vpnSni;

    @Option(names = "--vpn-psk", paramLabel = "HEX",
            description = "The shadowsocks pre-shared key, 64 hex digits (default: a random one, printed).")
    String vpnPsk;

    @Option(names = "--vpn-ca-out", paramLabel = "FILE",
            description = "Where to write the tls endpoint's CA certificate (default: a new temporary file).")
    Path vpnCaOut;

    @Override
    public Integer call() {
        VpnKind kind = null;
        byte[] psk = null;
        if (vpn != null) {
            kind = VpnKind.fromWireName(vpn);
            if (kind == null) {
                throw new CliException(ExitCodes.BAD_INPUT, "--vpn: expected one of wireguard, openvpn, ikev2, "
                        + "shadowsocks, tls, got '" + vpn + "'");
            }
            psk = vpnPsk == null ? null : MessengerClientCommand.hex(vpnPsk, "--vpn-psk");
        }
        if (backlog < 1) {
            throw new CliException(ExitCodes.BAD_INPUT, "--backlog must be at least 1, was " + backlog);
        }
        MessengerServerOptions options;
        try {
            options = MessengerServerOptions.builder().listen(listen).names(names).backlog(backlog).build();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
        MessengerServer server = UntilSignal.start(() -> MessengerServer.start(options), listen);
        Path ca;
        // Without --ca-out the CA goes in a directory only this user can enter, removed when the server stops:
        // a CA left in a shared temporary directory is one anyone on the machine could later swap or trust.
        Path privateDir = null;
        try {
            if (caOut != null) {
                ca = caOut;
            } else {
                privateDir = Files.createTempDirectory("censorsim-messenger-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                ca = privateDir.resolve("ca.pem");
            }
            server.trust().writePem(ca);
        } catch (IOException | UnsupportedOperationException e) {
            server.close();
            deleteQuietly(privateDir);
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot write the CA certificate: " + e.getMessage(), e);
        }
        Path toDelete = privateDir;
        PrintWriter out = spec.commandLine().getOut();
        out.println("censorsim messenger server: listening on " + HostPortConverter.format(server.address())
                + " for " + String.join(", ", server.names()));
        out.println("censorsim messenger server: CA certificate " + ca.toAbsolutePath()
                + " (give it to 'messenger client --ca')");
        out.println("censorsim messenger server: calls and QUIC on udp " + HostPortConverter.format(
                server.mediaAddress()) + " (give it to 'messenger client --calls' or '--quic', or put "
                + "'censorsim proxy --udp' in front of it)");
        if (kind == null) {
            return UntilSignal.await(server, () -> deleteQuietly(toDelete), out);
        }
        VpnEndpoint endpoint;
        try {
            endpoint = VpnEndpoint.start(kind, server.address(), vpnSni, psk, vpnListen);
        } catch (IOException | RuntimeException e) {
            server.close();
            deleteQuietly(toDelete);
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot start the VPN endpoint: " + e.getMessage(), e);
        }
        out.println("censorsim messenger server: " + kind.wireName() + " endpoint on " + (kind.udp() ? "udp " : "tcp ")
                + HostPortConverter.format(endpoint.address()) + " (give it to 'messenger client --vpn "
                + kind.wireName() + "=HOST:PORT', or put the censor in front of it)");
        if (kind == VpnKind.SHADOWSOCKS) {
            out.println("censorsim messenger server: shadowsocks key " + java.util.HexFormat.of().formatHex(
                    endpoint.psk()) + " (give it to 'messenger client --vpn-psk')");
        }
        if (kind == VpnKind.TLS) {
            try {
                // Like the messenger's CA: in the private directory unless the user named a file.
                Path vpnCa = vpnCaOut != null ? vpnCaOut : toDelete != null ? toDelete.resolve("vpn-ca.pem")
                        : Files.createTempDirectory("censorsim-vpn-", PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rwx------"))).resolve("vpn-ca.pem");
                endpoint.trust().writePem(vpnCa);
                out.println("censorsim messenger server: tls endpoint for " + vpnSni + ", CA certificate "
                        + vpnCa.toAbsolutePath() + " (give it to 'messenger client --vpn-ca')");
            } catch (IOException e) {
                endpoint.close();
                server.close();
                deleteQuietly(toDelete);
                throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot write the VPN CA certificate: "
                        + e.getMessage(), e);
            }
        }
        return UntilSignal.await(() -> {
            endpoint.close();
            server.close();
        }, () -> deleteQuietly(toDelete), out);
    }

    /** Removes the private CA directory and its files; nothing to do with --ca-out, which the user owns. */
    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve("ca.pem"));
            Files.deleteIfExists(dir.resolve("vpn-ca.pem"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // the process is stopping; a leftover certificate (no key) in a 0700 directory harms no one
        }
    }
}
