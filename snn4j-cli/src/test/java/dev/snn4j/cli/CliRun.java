package dev.snn4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the {@code snn4j} command line in-process for tests and captures its exit code and output. */
record CliRun(int code, String out, String err) {

    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Snn4j.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
