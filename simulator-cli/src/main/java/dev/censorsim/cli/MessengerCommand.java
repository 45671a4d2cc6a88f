package dev.censorsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code censorsim messenger}: the synthetic messenger's server and client, each as its own process. */
@Command(name = "messenger",
        header = "Run the synthetic messenger's TLS server or its chat and media client.",
        description = "Start 'messenger server' for the names the client will use, put the censor in between "
                + "('proxy' or 'socks'), then run 'messenger client' through it and read the figures.",
        mixinStandardHelpOptions = true,
        subcommands = {MessengerServerCommand.class, MessengerClientCommand.class})
final class MessengerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: 'messenger server' or 'messenger client'");
    }
}
