package dev.snn4j.cli;

import ai.djl.ndarray.NDManager;
import dev.snn4j.io.GraphExport;
import dev.snn4j.io.TrainedModels;
import dev.snn4j.io.nir.NirWriter;
import dev.snn4j.runtime.SpikingModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code snn4j export SOURCE --format runtime|nir --out PATH}: a trained model (a recipe's run, stage or checkpoint
 * directory; or a {@code .nir} file for {@code --format runtime}) as an event-driven runtime directory
 * ({@code graph.json + weights.safetensors}) or a NIR file.
 *
 * <pre>{@code
 * ./snn4j export runs/fmnist/snn-T1 --format runtime --out out/fmnist-t1
 * ./snn4j export runs/delays/LEARNED --format nir --out out/delays.nir --dt 0.02
 * ./snn4j export net.nir --format runtime --out out/net --time-steps 100
 * }</pre>
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a trained model for the event-driven runtime (graph.json + weights.safetensors) or as "
                + "a NIR file.", "SOURCE: a run / stage / checkpoint directory written by a recipe (iir-snn, delays, "
                + "delta), or a .nir file (with --format runtime)."})
public final class ExportCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "Run, stage or checkpoint directory, or a .nir file.")
    Path source;

    @Option(names = "--format", required = true, description = "runtime or nir.")
    String format;

    @Option(names = "--out", required = true, description = "Output directory (runtime) or file (nir).")
    Path out;

    @Option(names = "--dt", description = "Time step in seconds: written to NIR (default: the recipe's bin width, "
            + "else 0.001), or read from NIR when the file has no 'dt' metadata.")
    Double dt;

    @Option(names = {"-T", "--time-steps"}, defaultValue = "0",
            description = "Time steps recorded in the runtime graph for a NIR source (default 1).")
    int timeSteps;

    @Override
    public void run() {
        CommandLine cl = spec.commandLine();
        PrintWriter o = cl.getOut();
        if (!format.equals("runtime") && !format.equals("nir")) {
            throw new CommandLine.ParameterException(cl, "--format must be 'runtime' or 'nir', got '" + format + "'");
        }
        if (dt != null && !(dt > 0)) {
            throw new CommandLine.ParameterException(cl, "--dt must be > 0 seconds, got " + dt);
        }
        if (!Files.exists(source)) {
            throw new CommandLine.ParameterException(cl, "SOURCE " + source + ": no such file or directory");
        }
        try (NDManager m = NDManager.newBaseManager()) {
            if (ModelSources.isNir(source)) {
                if (!format.equals("runtime")) {
                    throw new CommandLine.ParameterException(cl, "SOURCE is already a NIR file; use --format runtime");
                }
                GraphExport.export(ModelSources.nirModule(source, dt, m), ModelSources.nirInputShape(source),
                        Math.max(1, timeSteps), out);
            } else if (ModelSources.isRuntime(source)) {
                throw new CommandLine.ParameterException(cl, "SOURCE " + source + " is already a runtime model "
                        + "(graph.json); give the run or checkpoint directory it came from");
            } else {
                TrainedModels.Loaded l = TrainedModels.load(source, m);
                o.println("model: " + l.recipe() + ", " + l.note());
                if (format.equals("runtime")) {
                    TrainedModels.exportRuntime(l, out);
                } else {
                    double step = dt != null ? dt : l.recipe().equals("delays") ? 0.02 : 0.001;
                    if (out.getParent() != null) {
                        Files.createDirectories(out.getParent());
                    }
                    NirWriter.write(out, TrainedModels.toNir(l, step, m));
                }
            }
            if (format.equals("runtime")) {
                SpikingModel model = SpikingModel.load(out);   // proves the export loads
                o.printf("wrote %s: %d layers %s, input %s, T=%d%n", out, model.layerNames().size(),
                        model.layerTypes(), java.util.Arrays.toString(model.inputShape()), model.timeSteps());
            } else {
                o.printf("wrote %s (NIR)%n", out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
