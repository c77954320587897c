package dev.snn4j.cli;

import dev.snn4j.report.RunReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code snn4j report RUN_DIR}: writes {@code RUN_DIR/report.html}, one self-contained page (charts embedded as PNG
 * data URIs) with the training curves, a spike raster, firing rates per layer, accuracy vs T (IIR), delay histograms
 * (delays), sparsity per layer (delta), the operations / energy table and the resolved configuration. Run
 * {@code snn4j eval RUN_DIR} first for the raster and the evaluated firing rates.
 *
 * <pre>{@code
 * ./snn4j eval runs/demo && ./snn4j report runs/demo && chromium runs/demo/report.html
 * }</pre>
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write RUN_DIR/report.html: training curves, spike raster, firing rates, accuracy vs T, delay "
                + "histograms, sparsity, ops/energy.", "Run 'snn4j eval RUN_DIR' first to include the raster."})
final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run folder written by snn4j train / demo.")
    Path run;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(run)) {
            throw new IllegalStateException(run + ": not a directory (expected a run folder written by snn4j train "
                    + "or demo)");
        }
        Path html = RunReport.write(run);
        spec.commandLine().getOut().println("report: " + html.toAbsolutePath()
                + (Files.isRegularFile(run.resolve(RunReport.EVAL_FILE)) ? ""
                : " (no eval.json: run './snn4j eval " + run + "' first for the spike raster)"));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
