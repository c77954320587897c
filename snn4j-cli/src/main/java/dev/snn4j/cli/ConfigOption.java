package dev.snn4j.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.snn4j.runtime.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code --config FILE}: a command's options as a JSON object, one key per long option name without the dashes
 * ({@code "stage-epochs": [2, 1, 1, 1, 2]} for {@code --stage-epochs 2,1,1,1,2}). Precedence: the command's defaults
 * &lt; the file &lt; options given on the command line. An optional {@code "command"} key ({@code "train iir"}) must
 * name the command the file is given to. Unknown keys, wrong JSON types and out-of-range values are usage errors
 * (exit 2) naming the file, the key and what was expected.
 *
 * <p>The same mechanism saves the resolved configuration (every option's final value, paths absolute) as
 * {@code resolved-config.json} in the run directory, so {@code --config RUN/resolved-config.json} reproduces the run.
 * Used as a picocli mixin by {@code demo} and every {@code train} subcommand:
 *
 * <pre>{@code
 * @Mixin ConfigOption config;
 * public Integer call() {
 *     config.apply();                                   // file values for the options not on the command line
 *     config.require(batch >= 1, "--batch", "must be >= 1", batch);
 *     config.writeResolved(out);                        // out/resolved-config.json
 * }
 * }</pre>
 */
final class ConfigOption {
    /** The file written into run directories. */
    static final String RESOLVED = "resolved-config.json";
    /** Options that are not part of a run's configuration. */
    private static final List<String> NOT_CONFIG = List.of("--config", "--resume", "--verbose", "--help", "--version");

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON file with option values (keys = long option "
            + "names without '--'); options on the command line override it. See docs/configs/.")
    Path file;

    @Option(names = "--resume", description = "Continue the run in --out from its last complete checkpoint, with the "
            + "same data order and optimizer state; a usage error if --out holds no checkpoint. (Running the same "
            + "command again without --resume also continues an existing run.)")
    boolean resume;

    /** Option name -> the file its value came from (for error messages). */
    private final Map<String, Path> fromFile = new LinkedHashMap<>();

    /** The command's name below {@code snn4j}, e.g. {@code train iir}. */
    String commandName() {
        String q = spec.qualifiedName(" ");
        return q.startsWith("snn4j ") ? q.substring("snn4j ".length()) : q;
    }

    /**
     * Reads {@code --config} (if given) and sets every option it names that was not given on the command line.
     *
     * @throws CommandLine.ParameterException for an unreadable file, invalid JSON, an unknown key or a wrong type
     */
    void apply() {
        if (file == null) {
            return;
        }
        JsonObject root = read(file);
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String key = e.getKey();
            if (key.equals("command")) {
                if (!(e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isString())) {
                    throw error(key, "expected a string such as \"" + commandName() + "\", got " + e.getValue());
                }
                String c = e.getValue().getAsString();
                if (!c.equals(commandName())) {
                    throw usage("config file " + file + ": written for 'snn4j " + c + "', not 'snn4j " + commandName()
                            + "'");
                }
                continue;
            }
            OptionSpec o = key.startsWith("-") || NOT_CONFIG.contains("--" + key) ? null : spec.findOption("--" + key);
            if (o == null) {
                throw usage("config file " + file + ": unknown key '" + key + "' (keys of 'snn4j " + commandName()
                        + "': " + String.join(", ", keys()) + ")");
            }
            if (parsed.hasMatchedOption(o)) {
                continue; // the command line wins
            }
            o.setValue(convert(key, o, e.getValue()));
            fromFile.put(o.longestName(), file);
        }
    }

    /**
     * The run folder of a {@code train} / {@code demo} command: a usage error if {@code --out} has no value, then
     * {@link #checkResume}.
     */
    Path runFolder(Path out) {
        require(out != null, "--out", "must be a folder", out);
        checkResume(out);
        return out;
    }

    /**
     * With {@code --resume}: a usage error unless {@code out} holds at least one complete checkpoint (a
     * {@code checkpoint.json} up to 4 folders down), so that a mistyped {@code --out} does not silently start a new
     * run.
     */
    void checkResume(Path out) {
        if (!resume) {
            return;
        }
        boolean found = false;
        if (out != null && Files.isDirectory(out)) {
            try (java.util.stream.Stream<Path> s = Files.walk(out, 4)) {
                found = s.anyMatch(p -> p.getFileName().toString().equals("checkpoint.json"));
            } catch (IOException | java.io.UncheckedIOException e) {
                found = false;
            }
        }
        if (!found) {
            throw usage("--resume: " + out + " holds no checkpoint to resume (checkpoint.json); check --out, or drop "
                    + "--resume to start a new run");
        }
    }

    /** The option's value came from the configuration file (not the command line nor the defaults). */
    boolean fromFile(String option) {
        return fromFile.containsKey(option);
    }

    /**
     * A usage error unless {@code ok}: {@code Invalid value for option '--batch': must be >= 1, got 0}, or, when the
     * value came from the file, {@code config file F: key 'batch': must be >= 1, got 0}.
     */
    void require(boolean ok, String option, String rule, Object value) {
        if (!ok) {
            String shown = value instanceof int[] a ? java.util.Arrays.toString(a)
                    : value instanceof double[] d ? java.util.Arrays.toString(d) : String.valueOf(value);
            throw fromFile(option) ? error(option.substring(2), rule + ", got " + shown)
                    : usage("Invalid value for option '" + option + "': " + rule + ", got " + shown);
        }
    }

    /** A usage error if the (required) option has no value from the command line or the file. */
    <T> T required(T value, String option) {
        if (value == null) {
            throw usage("Missing required option: '" + option + "' (on the command line or as key '"
                    + option.substring(2) + "' in --config)");
        }
        return value;
    }

    /** Every configuration option's current value, keyed like the file ({@code command} first). */
    Map<String, Object> resolved() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", commandName());
        for (OptionSpec o : configOptions()) {
            Object v = o.getValue();
            if (v instanceof Path p) {
                v = p.toAbsolutePath().normalize().toString();
            } else if (v instanceof Enum<?> en) {
                v = en.name();
            } else if (v instanceof int[] a) {
                v = java.util.Arrays.stream(a).boxed().toList();
            } else if (v instanceof double[] d) {
                v = java.util.Arrays.stream(d).boxed().toList();
            }
            m.put(o.longestName().substring(2), v);
        }
        return m;
    }

    /**
     * Writes {@link #resolved()} to {@code dir/resolved-config.json} atomically. If the directory already holds one
     * (a resumed run) whose values differ, returns a description of the differences (else an empty string) and
     * the file is rewritten with the new values.
     */
    String writeResolved(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(RESOLVED);
        String json = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create()
                .toJson(resolved()) + "\n";
        String diff = "";
        if (Files.isRegularFile(target)) {
            try {
                JsonObject before = JsonParser.parseString(Files.readString(target)).getAsJsonObject();
                JsonObject now = JsonParser.parseString(json).getAsJsonObject();
                List<String> changed = new ArrayList<>();
                for (String k : new TreeSet<>(now.keySet())) {
                    if (!now.get(k).equals(before.get(k))) {
                        changed.add(k + " " + before.get(k) + " -> " + now.get(k));
                    }
                }
                diff = String.join(", ", changed);
            } catch (RuntimeException e) {
                diff = "the earlier " + RESOLVED + " is unreadable";
            }
        }
        AtomicFiles.write(target, json.getBytes(StandardCharsets.UTF_8));
        return diff;
    }

    /** {@link #writeResolved} plus a warning on stderr when a resumed run's settings changed. */
    void save(Path dir) throws IOException {
        String diff = writeResolved(dir);
        if (!diff.isEmpty()) {
            spec.commandLine().getErr().println("snn4j: warning: " + dir + " already held a run with other settings ("
                    + diff + "); it is resumed with the new ones");
            spec.commandLine().getErr().flush();
        }
    }

    /** Reads and parses a configuration file (strict JSON: no comments, no trailing garbage). */
    private JsonObject read(Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw usage("config file not found: " + f);
        } catch (IOException | RuntimeException e) {
            throw usage("config file " + f + ": cannot be read as UTF-8 text: " + e.getMessage());
        }
        JsonElement el;
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            el = JsonParser.parseReader(r);
            if (r.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new JsonParseException("unexpected text after the JSON object");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String msg = String.valueOf(root.getMessage());
            int link = msg.indexOf(" See https://");   // gson appends a troubleshooting link
            throw usage("config file " + f + ": not valid JSON: " + (link > 0 ? msg.substring(0, link) : msg));
        }
        if (!el.isJsonObject()) {
            throw usage("config file " + f + ": expected a JSON object {\"key\": value, ...}, got " + kind(el));
        }
        return el.getAsJsonObject();
    }

    /** The JSON value as the option's Java type, or a usage error naming the key and the expected type. */
    private Object convert(String key, OptionSpec o, JsonElement v) {
        Class<?> t = o.type();
        if (v.isJsonNull()) {
            if (t.isPrimitive()) {
                throw error(key, "expected " + expected(t) + ", got null");
            }
            return null;
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            BigDecimal d = number(key, v, t);
            try {
                return t == int.class || t == Integer.class ? (Object) d.intValueExact() : (Object) d.longValueExact();
            } catch (ArithmeticException e) {
                throw error(key, "expected " + expected(t) + ", got " + v);
            }
        }
        if (t == double.class || t == Double.class) {
            return number(key, v, t).doubleValue();
        }
        if (t == boolean.class || t == Boolean.class) {
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean()) {
                return v.getAsBoolean();
            }
            throw error(key, "expected true or false, got " + kind(v));
        }
        if (t == String.class || t == Path.class || t.isEnum()) {
            if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isString())) {
                throw error(key, "expected " + expected(t) + ", got " + kind(v));
            }
            String s = v.getAsString();
            if (t == String.class) {
                return s;
            }
            if (t == Path.class) {
                if (s.isEmpty()) {
                    throw error(key, "expected a file or folder path, got an empty string");
                }
                return Path.of(s);
            }
            for (Object c : t.getEnumConstants()) {
                String name = ((Enum<?>) c).name();
                if (name.equalsIgnoreCase(s) || name.equalsIgnoreCase(s.replace('-', '_'))) {
                    return c;
                }
            }
            throw error(key, "expected " + expected(t) + ", got \"" + s + "\"");
        }
        if (t == int[].class) {
            if (!v.isJsonArray()) {
                throw error(key, "expected " + expected(t) + ", got " + kind(v));
            }
            JsonArray a = v.getAsJsonArray();
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) {
                try {
                    out[i] = number(key, a.get(i), int.class).intValueExact();
                } catch (ArithmeticException | CommandLine.ParameterException e) {
                    throw error(key, "expected " + expected(t) + ", element " + i + " is " + a.get(i));
                }
            }
            return out;
        }
        if (t == double[].class) {
            if (!v.isJsonArray()) {
                throw error(key, "expected " + expected(t) + ", got " + kind(v));
            }
            JsonArray a = v.getAsJsonArray();
            double[] out = new double[a.size()];
            for (int i = 0; i < out.length; i++) {
                try {
                    out[i] = number(key, a.get(i), double.class).doubleValue();
                } catch (CommandLine.ParameterException e) {
                    throw error(key, "expected " + expected(t) + ", element " + i + " is " + a.get(i));
                }
            }
            return out;
        }
        throw new IllegalStateException("ConfigOption: option " + o.longestName() + " has type " + t.getName()
                + ", which configuration files do not support yet");
    }

    private BigDecimal number(String key, JsonElement v, Class<?> t) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            try {
                return new BigDecimal(v.getAsJsonPrimitive().getAsString());
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw error(key, "expected " + expected(t) + ", got " + kind(v));
    }

    private static String expected(Class<?> t) {
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == double.class || t == Double.class) {
            return "a number";
        }
        if (t == int[].class) {
            return "an array of integers such as [5, 4, 3]";
        }
        if (t == double[].class) {
            return "an array of numbers such as [1, 4]";
        }
        if (t == Path.class) {
            return "a file or folder path (string)";
        }
        if (t.isEnum()) {
            StringBuilder sb = new StringBuilder("one of");
            for (Object c : t.getEnumConstants()) {
                sb.append(' ').append('"').append(((Enum<?>) c).name().toLowerCase(Locale.ROOT)).append('"');
            }
            return sb.toString();
        }
        return "a string";
    }

    private static String kind(JsonElement v) {
        if (v.isJsonObject()) {
            return "an object";
        }
        if (v.isJsonArray()) {
            return "an array";
        }
        if (v instanceof JsonNull) {
            return "null";
        }
        JsonPrimitive p = v.getAsJsonPrimitive();
        return (p.isString() ? "the string " : p.isBoolean() ? "the boolean " : "the number ") + p;
    }

    private List<OptionSpec> configOptions() {
        List<OptionSpec> out = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!o.usageHelp() && !o.versionHelp() && !NOT_CONFIG.contains(o.longestName())) {
                out.add(o);
            }
        }
        return out;
    }

    private List<String> keys() {
        return configOptions().stream().map(o -> o.longestName().substring(2)).toList();
    }

    private CommandLine.ParameterException error(String key, String what) {
        return usage("config file " + file + ": key '" + key + "': " + what);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
