package dev.snn4j.io.hdf5;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the independent HDF5 readers our files are checked with: {@code h5dump} (HDF5 C library) and h5py under
 * {@code /usr/bin/python3} (the Debian Python; a pyenv {@code python3} may lack h5py). A test using them is skipped
 * (JUnit assumption) where the tool is missing, e.g. on CI.
 */
public final class ExternalTools {
    private static final String PYTHON = "/usr/bin/python3";

    private ExternalTools() {
    }

    /** Stdout+stderr of {@code cmd}, which must exit 0; skips the test if the program does not exist. */
    public static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, cmd[0] + " not installed; skipping the external check");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd[0] + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    /** True if {@code /usr/bin/python3} can import h5py. */
    public static boolean h5pyAvailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import h5py").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs {@code script} with h5py's Python and {@code args}; skips the test without h5py. Returns stdout+stderr. */
    public static String python(Path dir, String script, String... args) throws IOException, InterruptedException {
        assumeTrue(h5pyAvailable(), PYTHON + " with h5py not available; skipping the h5py check");
        Path py = dir.resolve("check.py");
        Files.writeString(py, script + "\n");
        List<String> cmd = new ArrayList<>(List.of(PYTHON, py.toString()));
        cmd.addAll(List.of(args));
        return run(dir, cmd.toArray(new String[0]));
    }
}
