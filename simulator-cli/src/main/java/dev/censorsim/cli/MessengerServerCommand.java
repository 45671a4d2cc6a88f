package dev.censorsim.cli;

import dev.censorsim.messenger.MessengerServer;
import dev.censorsim.messenger.MessengerServerOptions;
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
            description = "Where to accept connections; port 0 picks a free one (default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "--name", required = true, arity = "1..*", paramLabel = "NAME",
            description = "DNS names to hold certificates for, e.g. g.whatsapp.net mmg.whatsapp.net.")
    List<String> names;

    @Option(names = "--ca-out", paramLabel = "FILE",
            description = "Where to write the CA certificate (default: ca.pem in a new private (0700) directory under "
                    + "the temporary directory, deleted on exit).")
    Path caOut;

    @Override
    public Integer call() {
        MessengerServerOptions options;
        try {
            options = MessengerServerOptions.builder().listen(listen).names(names).build();
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
        out.println("censorsim messenger server: calls and QUIC Initials on udp " + HostPortConverter.format(
                server.mediaAddress()) + " (give it to 'messenger client --calls' or '--quic', or put "
                + "'censorsim proxy --udp' in front of it)");
        return UntilSignal.await(server, () -> deleteQuietly(toDelete), out);
    }

    /** Removes the private CA directory and its one file; nothing to do with --ca-out, which the user owns. */
    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve("ca.pem"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // the process is stopping; a leftover certificate (no key) in a 0700 directory harms no one
        }
    }
}
