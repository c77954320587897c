package dev.snn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;

/**
 * The {@code snn4j} command. Exit codes: 0 success, 2 usage error (unknown option or subcommand, invalid value),
 * 1 failure (one message line on stderr; the stack trace only with {@code --verbose}).
 *
 * <pre>{@code
 * int code = Snn4j.run("bench", "shd", "--iterations", "5");   // same as: ./snn4j bench shd --iterations 5
 * }</pre>
 */
@Command(name = "snn4j", mixinStandardHelpOptions = true, versionProvider = Snn4j.Version.class,
        description = "Train and benchmark spiking neural networks on DJL (PyTorch engine).",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, ReportCommand.class,
                GenerateCommand.class, EnergyCommand.class, ExportCommand.class, BenchCommand.class, DataCommand.class,
                CommandLine.HelpCommand.class})
public final class Snn4j implements Runnable {

    /** Exit code of a failed run (bad data, engine error...). */
    public static final int FAILURE = 1;
    /** Exit code of a usage error (picocli's default). */
    public static final int USAGE = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print stack traces of failures.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // `snn4j` alone: a usage error, with the list of subcommands.
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing subcommand: use 'demo', 'train', 'eval', 'report', 'generate', 'energy', 'export', 'bench' "
                        + "or 'data'");
    }

    /** Runs the command line and returns the exit code (no {@code System.exit}; tests call this). */
    public static int run(String... args) {
        return newCommandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    /** A configured command line writing to {@code out} and {@code err}. */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        Snn4j top = new Snn4j();
        CommandLine cl = new CommandLine(top);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CommandLine.ParameterException pe) {
                // validation done inside run(): report like any other usage error
                err.println(pe.getMessage());
                pe.getCommandLine().usage(err);
                return USAGE;
            }
            err.println("snn4j: error: " + message(ex));
            if (top.verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        return cl;
    }

    /** One line describing {@code t}: its message, or its type when it has none, plus the root cause's message. */
    static String message(Throwable t) {
        String msg = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t && root.getMessage() != null && !msg.contains(root.getMessage())) {
            msg += ": " + root.getMessage();
        }
        return msg.replace('\n', ' ');
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Reads the version Maven wrote into {@code snn4j-version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Snn4j.class.getResourceAsStream("/snn4j-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"snn4j " + p.getProperty("version", "unknown") + " (DJL 0.36.0, PyTorch engine)",
                    "Java " + System.getProperty("java.version")};
        }
    }
}
