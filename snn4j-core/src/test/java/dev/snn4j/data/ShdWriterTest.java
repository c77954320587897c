package dev.snn4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ShdWriterTest {

    static ShdDataset small() throws DataFormatException {
        return ShdDataset.of(List.of(
                        new ShdDataset.Sample(new float[] {0f, 0.0125f, 1.5f}, new int[] {0, 139, 7}, 3),
                        new ShdDataset.Sample(new float[0], new int[0], 0),
                        new ShdDataset.Sample(new float[] {0.25f}, new int[] {42}, 9)),
                140, new int[] {5, 6, 7}, List.of("zero", "fünf", "x", "y", "z", "a", "b", "c", "d", "nine"));
    }

    @Test
    void roundTripThroughFlatLayout(@TempDir Path dir) throws Exception {
        ShdDataset ds = small();
        Path f = dir.resolve("rt.h5");
        ShdWriter.write(f, ds);
        ShdDataset back = ShdDataset.read(f); // channel count from the n_channels attribute
        assertEquals(140, back.numChannels());
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ds.sample(i).times(), back.sample(i).times());
            assertArrayEquals(ds.sample(i).units(), back.sample(i).units());
            assertEquals(ds.sample(i).label(), back.sample(i).label());
        }
        assertArrayEquals(new int[] {5, 6, 7}, back.speakers().orElseThrow());
        assertEquals(ds.keys(), back.keys());
        // declared channel count is enforced on read-back too
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(DataFormatException.class,
                () -> ShdDataset.read(f, 100)).getMessage().contains("unit 139"));
    }

    @Test
    void writtenFileIsValidForTheHdf5CommandLineTools(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tools.h5");
        ShdWriter.write(f, small());
        Process p;
        try {
            p = new ProcessBuilder("h5dump", "-d", "/spikes/offsets", f.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "h5dump not installed (apt-get install hdf5-tools); skipping external check");
            return;
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.replaceAll("\\s+", " ").contains("(0): 0, 3, 3, 4"), out);
        assertTrue(Files.size(f) > 0);
    }
}
