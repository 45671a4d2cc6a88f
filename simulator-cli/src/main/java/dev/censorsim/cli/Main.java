package dev.censorsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/** The {@code censorsim} root command. */
@Command(name = "censorsim",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Throttling and DPI censor simulator: see what your app does under SNI resets, throttles and blocks.",
        subcommands = {
            DemoCommand.class,
            ProxyCommand.class,
            SocksCommand.class,
            ClassifyCommand.class,
            TraceCommand.class,
            ScenarioCommand.class,
            MessengerCommand.class,
            DnsCommand.class,
            EvasionsCommand.class,
            CompletionCommand.class,
            ServeCommand.class,
            CtlCommand.class,
            RunCommand.class,
            GatewayCommand.class,
            HelpCommand.class
        })
public final class Main implements Runnable {

    static {
        // dnsjava pulls in slf4j-api without a provider; keep its one-time "no providers" warning off our stderr.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
    }

    private static final String JUL_FORMAT = "java.util.logging.SimpleFormatter.format";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'censorsim demo'");
    }

    public static void main(String[] args) {
        // JUL's default is two lines per record (date, then message); one line per warning suits a console tool.
        if (System.getProperty(JUL_FORMAT) == null) {
            System.setProperty(JUL_FORMAT, "censorsim %4$s: %5$s%6$s%n");
        }
        disableLeakSamplingUnlessAsked();
        // Writers that lend out their byte streams: 'run' copies its command's output through them unchanged.
        System.exit(run(args, new StreamPrintWriter(System.out, Charset.defaultCharset()),
                new StreamPrintWriter(System.err, Charset.defaultCharset())));
    }

    /**
     * Turns Netty's buffer leak detector off unless the command line set a level. Its default ({@code simple}) samples
     * one buffer allocation in 128 with a stack trace and a weak reference: under wrk through the relay that was about
     * 50 B allocated per request (4 young collections in 20 s with an 8 MB young generation, none without it) and
     * {@code Throwable.fillInStackTrace} was 0.55% of the relay's CPU samples, 1.1% of the UDP relay's (perf,
     * cpu-clock). The tests run every buffer under the {@code paranoid} level instead;
     * {@code -Dio.netty.leakDetection.level=simple} (in {@code CENSORSIM_JAVA_OPTS}) brings the sampling back to hunt a
     * leak in the field.
     */
    static void disableLeakSamplingUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null
                && System.getProperty("io.netty.noResourceLeakDetection") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
    }

    /** Runs a command line in-process (tests call this) and returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = args.length > 0 && args[0].equals("classify") ? classifyCommandLine() : commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        return configure(new CommandLine(new Main()));
    }

    /**
     * The command line of a {@code classify} run: a root holding that command alone, parsed and run as under the whole
     * tree. Picocli inspects every command class of the tree when it builds it (their options, mixins and field types,
     * Jackson's among them, about 2,650 classes loaded in all), and a cold {@code classify} is mostly start-up: built
     * in-process on the 2-core box under load, the whole tree cost 450-660 ms of CPU time and this one 190-260 ms,
     * where the JVM's own start costs about 120 ms and classifying 80 k packets about 300 ms.
     */
    static CommandLine classifyCommandLine() {
        CommandSpec root = CommandSpec.create().name("censorsim").mixinStandardHelpOptions(true)
                .versionProvider(new VersionProvider());
        root.addSubcommand("classify", new CommandLine(new ClassifyCommand()));
        return configure(new CommandLine(root));
    }

    private static CommandLine configure(CommandLine cli) {
        cli.setExecutionExceptionHandler(Main::handleExecutionException);
        cli.setParameterExceptionHandler(Main::handleParameterException);
        cli.setUsageHelpAutoWidth(true);
        CliHelp.decorate(cli);
        return cli;
    }

    private static int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        boolean verbose = false;
        for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            verbose |= r.hasMatchedOption("--verbose"); // at any depth: 'censorsim scenario run --verbose'
        }
        int code;
        String message;
        if (e instanceof CliException ce) {
            code = ce.exitCode();
            message = ce.getMessage();
        } else {
            code = ExitCodes.RUNTIME_FAILURE;
            message = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        err.println("censorsim: " + message);
        if (verbose) {
            e.printStackTrace(err);
        } else if (!(e instanceof CliException) || e.getCause() != null) {
            err.println("censorsim: run again with --verbose for the stack trace");
        }
        err.flush();
        return code;
    }

    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("censorsim: " + e.getMessage());
        err.println("censorsim: see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
        err.flush();
        return ExitCodes.BAD_INPUT;
    }
}
