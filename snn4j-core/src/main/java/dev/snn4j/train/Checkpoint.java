package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import dev.snn4j.data.DataFormatException;
import dev.snn4j.data.TextFiles;
import dev.snn4j.nn.Module;
import dev.snn4j.runtime.io.AtomicFiles;
import dev.snn4j.runtime.io.Safetensors;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Training checkpoints under a root directory, one sub-directory per step:
 * <pre>
 *   root/step-000000137/model.safetensors      parameters and buffers by dotted name, in their own dtype
 *   root/step-000000137/optimizer.safetensors  optimizer moments and step counts ({@link Adam#stateDict})
 *   root/step-000000137/checkpoint.json        step, epoch, seed, config, metrics, format version, creation time
 *   root/latest                                 the name of the newest complete checkpoint
 * </pre>
 * A checkpoint is written into a hidden temporary directory (each file atomically, the JSON sidecar last) and only
 * then renamed into place, after which {@code latest} is replaced atomically; a crash leaves either the previous
 * checkpoint or a hidden directory that {@link #loadLatest} ignores.
 *
 * <pre>{@code
 * Checkpoint.save(root, model, opt, new Checkpoint.State(step, epoch, seed, config, Map.of("loss", 0.42)));
 * Optional<Checkpoint> last = Checkpoint.loadLatest(root);   if (last.isPresent()) last.get().restore(model, opt);
 * }</pre>
 */
public final class Checkpoint {
    /** Version of the directory layout and JSON sidecar. */
    public static final int FORMAT_VERSION = 1;
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String INFO_FILE = "checkpoint.json";
    public static final String LATEST = "latest";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).disableHtmlEscaping().create();

    /**
     * What the training loop wants back on resume.
     *
     * @param step    optimizer steps taken
     * @param epoch   epochs completed (or the current epoch; the loop decides)
     * @param seed    the run's seed
     * @param config  the run's configuration (JSON-serialisable values; numbers come back as Long or Double)
     * @param metrics latest metrics, e.g. loss and accuracy
     */
    public record State(long step, long epoch, long seed, Map<String, Object> config, Map<String, Double> metrics) {
        public State {
            config = config == null ? Map.of() : new LinkedHashMap<>(config);
            metrics = metrics == null ? Map.of() : new LinkedHashMap<>(metrics);
        }
    }

    private final Path dir;
    private final State state;
    private final int formatVersion;
    private final String created;
    private final JsonObject optimizerInfo;

    private Checkpoint(Path dir, State state, int formatVersion, String created, JsonObject optimizerInfo) {
        this.dir = dir;
        this.state = state;
        this.formatVersion = formatVersion;
        this.created = created;
        this.optimizerInfo = optimizerInfo;
    }

    /**
     * Writes a checkpoint for {@code state.step()} under {@code root}, points {@code latest} at it, returns its path.
     * A model or optimizer state holding a NaN or infinity is never written: a {@link NonFiniteException} names the
     * parameter and the value, and the previous checkpoint stays the latest (a poisoned state would otherwise replace
     * the last good one and every resume would start from it).
     */
    public static Path save(Path root, Module model, Adam optimizer, State state) throws IOException {
        refuseNonFinite(model, optimizer, state.step());
        Files.createDirectories(root);
        removeStaleTemporaries(root);
        String name = String.format("step-%09d", state.step());
        Path tmp = Files.createTempDirectory(root, "." + name + ".");
        try {
            StateDict.save(tmp.resolve(MODEL_FILE), model);
            JsonObject info = new JsonObject();
            info.addProperty("format_version", FORMAT_VERSION);
            info.addProperty("created", Instant.now().toString());
            info.addProperty("step", state.step());
            info.addProperty("epoch", state.epoch());
            info.addProperty("seed", state.seed());
            info.add("config", GSON.toJsonTree(state.config()));
            info.add("metrics", GSON.toJsonTree(state.metrics()));
            if (optimizer != null) {
                NDManager first = optimizer.parameters().values().iterator().next().value().getManager();
                try (NDManager scratch = first.newSubManager()) {
                    Safetensors.write(tmp.resolve(OPTIMIZER_FILE), StateDict.toTensors(optimizer.stateDict(scratch)),
                            Map.of("type", optimizerType(optimizer)));
                }
                JsonObject o = new JsonObject();
                o.addProperty("type", optimizerType(optimizer));
                o.addProperty("file", OPTIMIZER_FILE);
                info.add("optimizer", o);
            }
            AtomicFiles.write(tmp.resolve(INFO_FILE), GSON.toJson(info).getBytes(StandardCharsets.UTF_8));
            Path target = root.resolve(name);
            Path old = null;
            if (Files.exists(target)) { // re-saving a step (e.g. after a resume): move the old one aside first
                old = root.resolve("." + name + ".old-" + System.nanoTime());
                AtomicFiles.move(target, old);
            }
            AtomicFiles.move(tmp, target);
            AtomicFiles.write(root.resolve(LATEST), (name + "\n").getBytes(StandardCharsets.UTF_8));
            if (old != null) {
                deleteTree(old);
            }
            return target;
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    private static void refuseNonFinite(Module model, Adam optimizer, long step) {
        String[] bad = Finite.firstNonFiniteParameter(model.namedParameters());
        if (bad != null) {
            throw new NonFiniteException(step, bad[0], "holds " + bad[1] + "; checkpoint not written");
        }
        if (optimizer != null) {
            NDManager first = optimizer.parameters().values().iterator().next().value().getManager();
            try (NDManager scratch = first.newSubManager()) {
                for (Map.Entry<String, NDArray> e : optimizer.stateDict(scratch).entrySet()) {
                    String where = Finite.firstNonFinite(e.getValue());
                    if (where != null) {
                        throw new NonFiniteException(step, null, "optimizer state '" + e.getKey() + "' holds " + where
                                + "; checkpoint not written");
                    }
                }
            }
        }
    }

    /**
     * Deletes what an interrupted {@link #save} leaves behind: hidden {@code .step-N.*} directories and
     * {@code .latest.*.tmp} files. Only one process writes a checkpoint root, so any such entry is stale.
     */
    private static void removeStaleTemporaries(Path root) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".step-") || (n.startsWith("." + LATEST + ".") && n.endsWith(".tmp"))) {
                    stale.add(p);
                }
            }
        }
        for (Path p : stale) {
            deleteTree(p);
        }
    }

    /**
     * The newest complete checkpoint under {@code root}: the one {@code latest} names if it is complete, else the
     * complete {@code step-N} directory with the largest N; empty if there is none. Hidden (temporary) and
     * incomplete directories are ignored.
     */
    public static Optional<Checkpoint> loadLatest(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        Path pointer = root.resolve(LATEST);
        if (Files.isRegularFile(pointer)) {
            String name = readPointer(pointer);
            if (NAME.matcher(name).matches()) {
                Optional<Checkpoint> c = tryOpen(root.resolve(name));
                if (c.isPresent()) {
                    return c;
                }
            }
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p)) {
                    candidates.add(p);
                }
            }
        }
        candidates.sort(Comparator.comparingLong(Checkpoint::stepOf).reversed());
        for (Path p : candidates) {
            Optional<Checkpoint> c = tryOpen(p);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /**
     * Deletes all but the newest {@code keep} complete checkpoints under {@code root} (never the one {@code latest}
     * names). Training loops call it after each save so a long run does not fill the disk.
     */
    public static void keepLatest(Path root, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keepLatest: keep must be >= 1, got " + keep);
        }
        if (!Files.isDirectory(root)) {
            return;
        }
        String latest = Files.isRegularFile(root.resolve(LATEST)) ? readPointer(root.resolve(LATEST)) : "";
        List<Path> steps = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p)) {
                    steps.add(p);
                }
            }
        }
        steps.sort(Comparator.comparingLong(Checkpoint::stepOf).reversed());
        for (int i = keep; i < steps.size(); i++) {
            if (!steps.get(i).getFileName().toString().equals(latest)) {
                deleteTree(steps.get(i));
            }
        }
    }

    /**
     * The directory name in {@code latest}; read as ASCII so that a corrupt pointer (any bytes) gives a name that
     * does not match {@code step-N} and is ignored, instead of a decoding error.
     */
    private static String readPointer(Path pointer) throws IOException {
        byte[] b = Files.readAllBytes(pointer);
        return new String(b, 0, Math.min(b.length, 256), StandardCharsets.US_ASCII).trim();
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static Optional<Checkpoint> tryOpen(Path dir) {
        try {
            return Optional.of(open(dir));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads the sidecar of one checkpoint directory; a missing file (incomplete checkpoint) or a malformed sidecar
     * is a {@link CheckpointFormatException} naming the file and the field.
     */
    public static Checkpoint open(Path dir) throws IOException {
        Path infoFile = dir.resolve(INFO_FILE);
        JsonObject info;
        try {
            JsonElement e = JsonParser.parseString(TextFiles.readUtf8(infoFile));
            info = e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (NoSuchFileException e) {
            throw new CheckpointFormatException(dir + ": incomplete checkpoint, no " + INFO_FILE, e);
        } catch (JsonParseException e) {
            throw new CheckpointFormatException(infoFile + ": invalid JSON: " + e.getMessage(), e);
        } catch (DataFormatException e) {
            throw new CheckpointFormatException(e.getMessage(), e);
        }
        if (info == null || !info.has("format_version") || !info.has("step")) {
            throw new CheckpointFormatException(infoFile + ": expected a JSON object with fields 'format_version' and"
                    + " 'step'");
        }
        long version = integer(info, "format_version", infoFile);
        if (version < 1 || version > FORMAT_VERSION) {
            throw new CheckpointFormatException(infoFile + ": format version " + version + " is not supported by this"
                    + " reader (1.." + FORMAT_VERSION + ")");
        }
        if (!Files.isRegularFile(dir.resolve(MODEL_FILE))) {
            throw new CheckpointFormatException(dir + ": incomplete checkpoint, no " + MODEL_FILE);
        }
        JsonObject opt = null;
        if (info.has("optimizer")) {
            JsonElement o = info.get("optimizer");
            if (!o.isJsonObject() || !isString(o.getAsJsonObject().get("type"))) {
                throw new CheckpointFormatException(infoFile + ": field 'optimizer' must be an object with a string"
                        + " 'type', got " + o);
            }
            opt = o.getAsJsonObject();
            if (!Files.isRegularFile(dir.resolve(OPTIMIZER_FILE))) {
                throw new CheckpointFormatException(dir + ": incomplete checkpoint, no " + OPTIMIZER_FILE);
            }
        }
        Map<String, Object> config;
        Map<String, Double> metrics;
        try {
            config = info.has("config") && !info.get("config").isJsonNull()
                    ? GSON.fromJson(info.get("config"), new TypeToken<LinkedHashMap<String, Object>>() { }.getType())
                    : Map.of();
            metrics = info.has("metrics") && !info.get("metrics").isJsonNull()
                    ? GSON.fromJson(info.get("metrics"), new TypeToken<LinkedHashMap<String, Double>>() { }.getType())
                    : Map.of();
        } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
            throw new CheckpointFormatException(infoFile + ": fields 'config' and 'metrics' must be JSON objects"
                    + " (metrics of numbers): " + e.getMessage(), e);
        }
        State state = new State(integer(info, "step", infoFile), info.has("epoch") ? integer(info, "epoch", infoFile)
                : 0, info.has("seed") ? integer(info, "seed", infoFile) : 0, config, metrics);
        String created = isString(info.get("created")) ? info.get("created").getAsString() : "";
        return new Checkpoint(dir, state, (int) version, created, opt);
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** A whole-number field of the sidecar (written as a JSON integer). */
    private static long integer(JsonObject o, String field, Path file) throws CheckpointFormatException {
        JsonElement e = o.get(field);
        try {
            if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return new BigDecimal(e.getAsString()).longValueExact();
            }
        } catch (NumberFormatException | ArithmeticException ex) {
            // reported below
        }
        throw new CheckpointFormatException(file + ": field '" + field + "' must be an integer, got " + e);
    }

    /**
     * Loads the weights into {@code model} and, if {@code optimizer} is not null, its state; names and shapes are
     * checked first (see {@link StateDict#load}, {@link Adam#loadStateDict}). A checkpoint that does not match the
     * model or optimizer is a {@link CheckpointFormatException} listing the differences.
     */
    public void restore(Module model, Adam optimizer) throws IOException {
        StateDict.load(dir.resolve(MODEL_FILE), model);
        if (optimizer == null) {
            return;
        }
        if (optimizerInfo == null) {
            throw new CheckpointFormatException(dir + " holds no optimizer state");
        }
        String saved = optimizerInfo.get("type").getAsString();
        if (!saved.equals(optimizerType(optimizer))) {
            throw new CheckpointFormatException(dir.resolve(INFO_FILE) + ": the checkpoint's optimizer is " + saved
                    + " but the given one is " + optimizerType(optimizer));
        }
        Path file = dir.resolve(OPTIMIZER_FILE);
        Safetensors.Contents c = Safetensors.read(file);
        NDManager first = optimizer.parameters().values().iterator().next().value().getManager();
        try (NDManager tmp = first.newSubManager()) {
            Map<String, NDArray> dict = new LinkedHashMap<>();
            c.tensors().forEach((k, t) -> dict.put(k, StateDict.toArray(tmp, t)));
            optimizer.loadStateDict(dict);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static String optimizerType(Adam o) {
        return (o.isDecoupled() ? "AdamW" : "Adam") + (o.isAmsgrad() ? "(amsgrad)" : "");
    }

    public Path dir() {
        return dir;
    }

    public State state() {
        return state;
    }

    public int formatVersion() {
        return formatVersion;
    }

    /** ISO-8601 creation time. */
    public String created() {
        return created;
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        }
    }
}
