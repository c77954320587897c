package dev.snn4j.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.io.GraphExport;
import dev.snn4j.io.TrainedModels;
import dev.snn4j.io.nir.NirConverter;
import dev.snn4j.io.nir.NirGraph;
import dev.snn4j.io.nir.NirReader;
import dev.snn4j.layer.Sequential;
import dev.snn4j.runtime.SpikingModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code export} and {@code energy} accept as a model: an exported runtime directory ({@code graph.json}), a NIR
 * file ({@code .nir}, converted through snn4j-core) or a recipe's run / stage / checkpoint directory
 * ({@link TrainedModels}).
 */
final class ModelSources {
    private ModelSources() {
    }

    static boolean isNir(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".nir");
    }

    static boolean isRuntime(Path p) {
        return Files.isDirectory(p) && Files.isRegularFile(p.resolve(SpikingModel.GRAPH_FILE));
    }

    /** The NIR graph as a module ({@code dt} from the file's metadata unless given). */
    static Sequential nirModule(Path file, Double dt, NDManager m) throws IOException {
        NirGraph g = NirReader.read(file);
        try {
            return dt != null ? NirConverter.toModule(g, dt, m, DataType.FLOAT32)
                    : NirConverter.toModule(g, m, DataType.FLOAT32);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage()
                    + (dt == null && e.getMessage().contains("'dt'") ? " (use --dt SECONDS)" : ""), e);
        }
    }

    /** The input shape of a NIR graph's Input node. */
    static long[] nirInputShape(Path file) throws IOException {
        NirGraph g = NirReader.read(file);
        for (var e : g.nodes().entrySet()) {
            if (e.getValue().type().equals("Input")) {
                return e.getValue().get("shape").longs();
            }
        }
        throw new IllegalArgumentException(file + ": no Input node");
    }

    /** Loads any accepted source as a runtime model (exporting to a temporary directory when needed). */
    static SpikingModel runtimeModel(Path source, Double dt, int timeSteps, java.io.PrintWriter log)
            throws IOException {
        if (!Files.exists(source)) {
            throw new IOException(source + ": no such file or directory");
        }
        if (isRuntime(source)) {
            return SpikingModel.load(source);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            if (isNir(source)) {
                return GraphExport.toRuntime(nirModule(source, dt, m), nirInputShape(source), Math.max(1, timeSteps));
            }
            TrainedModels.Loaded l = TrainedModels.load(source, m);
            log.println("model: " + l.recipe() + ", " + l.note());
            return GraphExport.toRuntime(l.model(), l.inputShape(), l.timeSteps());
        }
    }
}
