package dev.snn4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes the configuration-file reader ({@link ConfigOption}) with seeded mutations of the example files in
 * {@code docs/configs/}: byte flips and overwrites, truncation, junk, and token-level edits (numbers replaced by
 * boundary values, strings by numbers, arrays emptied, keys duplicated or renamed). The command runs with a data path
 * that does not exist, so an input the reader accepts ends at the data check before any work. Every input must end
 * as a usage error naming the configuration file or the option (exit 2) or as the documented data error (exit 1);
 * anything else (another exception, exit 0) fails. The counts go to docs/RESULTS.md ("Reliability").
 */
class ConfigFuzzTest {
    private static final int PER_FILE = Integer.getInteger("snn4j.fuzz.config", 150);
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE]-?\\d+)?");
    private static final String[] VALUES = {"0", "-1", "1e308", "-1e308", "2147483648", "9223372036854775808",
            "NaN", "1.5", "\"x\"", "\"\"", "null", "true", "[]", "{}", "[1,", "0.0000001", "1e-400", "\"\\u0000\""};

    /** Arguments that make each command stop at its data check; the config file is appended. */
    private static List<String> command(String name, Path tmp) {
        Path missing = tmp.resolve("no-such-data");
        return switch (name) {
            case "iir.json" -> List.of("train", "iir", "--data", missing.toString(), "--out", tmp.resolve("o").toString());
            case "spikegpt.json" -> List.of("train", "spikegpt", "--corpus", missing.toString(), "--out",
                    tmp.resolve("o").toString());
            case "delays.json" -> List.of("train", "delays", "--data", missing.toString(), "--out",
                    tmp.resolve("o").toString());
            case "delta.json" -> List.of("train", "delta", "--data", missing.toString(), "--out",
                    tmp.resolve("o").toString());
            default -> null;
        };
    }

    private static byte[] mutate(byte[] seed, Random r) {
        String text = new String(seed, StandardCharsets.UTF_8);
        switch (r.nextInt(7)) {
            case 0 -> { // flip bits
                byte[] b = seed.clone();
                for (int i = 1 + r.nextInt(4); i > 0; i--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1 -> { // truncate
                byte[] b = new byte[r.nextInt(seed.length)];
                System.arraycopy(seed, 0, b, 0, b.length);
                return b;
            }
            case 2 -> { // overwrite with boundary bytes
                byte[] b = seed.clone();
                byte[] v = {0, (byte) 0xFF, 0x7F, (byte) 0x80, '"', '{', '}', '[', ']', ',', ':', '\\'};
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    b[r.nextInt(b.length)] = v[r.nextInt(v.length)];
                }
                return b;
            }
            case 3 -> { // replace one number token
                List<int[]> spans = new ArrayList<>();
                Matcher m = NUMBER.matcher(text);
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                if (spans.isEmpty()) {
                    return seed;
                }
                int[] s = spans.get(r.nextInt(spans.size()));
                return (text.substring(0, s[0]) + VALUES[r.nextInt(VALUES.length)] + text.substring(s[1]))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> { // replace one string value
                int colon = text.indexOf(':', r.nextInt(Math.max(1, text.length())));
                if (colon < 0) {
                    return seed;
                }
                int end = text.indexOf('\n', colon);
                end = end < 0 ? text.length() : end;
                String tail = text.substring(colon + 1, end).trim().endsWith(",") ? "," : "";
                return (text.substring(0, colon + 1) + " " + VALUES[r.nextInt(VALUES.length)] + tail
                        + text.substring(end)).getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> { // duplicate or rename a key
                Matcher m = Pattern.compile("\"([a-z-]+)\":").matcher(text);
                List<String> keys = new ArrayList<>();
                while (m.find()) {
                    keys.add(m.group(1));
                }
                String k = keys.get(r.nextInt(keys.size()));
                return (r.nextBoolean() ? text.replaceFirst("\"" + k + "\":", "\"" + k + "\": 1, \"" + k + "\":")
                        : text.replaceFirst("\"" + k + "\":", "\"" + k + "x\":")).getBytes(StandardCharsets.UTF_8);
            }
            default -> { // append junk
                byte[] junk = new byte[1 + r.nextInt(16)];
                r.nextBytes(junk);
                byte[] b = new byte[seed.length + junk.length];
                System.arraycopy(seed, 0, b, 0, seed.length);
                System.arraycopy(junk, 0, b, seed.length, junk.length);
                return b;
            }
        }
    }

    @Test
    void mutatedConfigurationFilesEndInATypedUsageErrorOrTheDataCheck(@TempDir Path tmp) throws IOException {
        Path docs = Path.of("..", "docs", "configs");
        int inputs = 0;
        int usage = 0;
        int accepted = 0;
        long seed = 20261124;
        for (String name : List.of("iir.json", "spikegpt.json", "delays.json", "delta.json")) {
            byte[] original = Files.readAllBytes(docs.resolve(name));
            List<String> base = command(name, tmp);
            Random r = new Random(seed++);
            for (int i = 0; i < PER_FILE; i++) {
                byte[] input = mutate(original, r);
                Path f = tmp.resolve("fuzz-" + name);
                Files.write(f, input);
                List<String> args = new ArrayList<>(base);
                args.add("--config");
                args.add(f.toString());
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = Snn4j.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                        .execute(args.toArray(String[]::new));
                String e = err.toString();
                inputs++;
                if (code == 2 && (e.contains("config file") || e.contains("Invalid value") || e.contains("option"))) {
                    usage++;
                } else if (code == 1 && (e.contains("not found") || e.contains("not a directory"))) {
                    accepted++;
                } else {
                    fail(name + " mutation " + i + ": exit " + code + ", stderr:\n" + e + "\ninput:\n"
                            + new String(input, StandardCharsets.UTF_8));
                }
            }
        }
        System.out.printf("config fuzz: %d inputs, %d usage errors (exit 2), %d accepted (stopped at the data check)%n",
                inputs, usage, accepted);
        assertTrue(inputs >= 4 * PER_FILE && usage > 0 && accepted > 0);
    }
}
