package dev.snn4j.cli;

import dev.snn4j.data.Audio;
import dev.snn4j.data.ShdDataset;
import dev.snn4j.data.WavWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code snn4j data audio2spikes}: conversion of a WAV folder, every skipped file reported, exit codes. */
class Audio2SpikesCommandTest {

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    /** A chirp of {@code seconds} at {@code rate} Hz (energy moves across mel bands, so the encoder spikes). */
    private static Audio chirp(int rate, double seconds, double f0) {
        float[] x = new float[(int) (rate * seconds)];
        for (int i = 0; i < x.length; i++) {
            double t = i / (double) rate;
            x[i] = (float) (0.5 * Math.sin(2 * Math.PI * (f0 + 800 * t) * t));
        }
        return new Audio(x, rate);
    }

    @Test
    void convertsAFolderAndReportsEveryBadFile(@TempDir Path dir) throws IOException {
        Path in = Files.createDirectory(dir.resolve("wav"));
        WavWriter.writePcm16(in.resolve("3_alice_0.wav"), chirp(8000, 0.4, 200));
        WavWriter.writePcm16(in.resolve("7_bob_12.wav"), chirp(16000, 0.3, 500)); // resampled to 8 kHz
        Files.write(in.resolve("5_carol_1.wav"), new byte[] {'R', 'I', 'F', 'F', 1, 2}); // truncated header
        Files.writeString(in.resolve("notes.txt"), "not audio");
        Path out = dir.resolve("spikes.h5");

        CliRun strict = run("data", "audio2spikes", in.toString(), out.toString());
        assertEquals(1, strict.code(), strict.err());
        assertTrue(strict.err().contains("5_carol_1.wav") && strict.err().contains("notes.txt"), strict.err());
        assertTrue(strict.err().contains("2 file(s)"), strict.err());
        assertTrue(strict.out().contains("2 samples, 140 channels"), strict.out());

        CliRun lenient = run("data", "audio2spikes", in.toString(), out.toString(), "--allow-failures");
        assertEquals(0, lenient.code(), lenient.err());
        ShdDataset d = ShdDataset.read(out, 140);
        assertEquals(2, d.size());
        assertEquals(3, d.sample(0).label());
        assertEquals(7, d.sample(1).label());
        assertTrue(d.sample(0).size() > 0 && d.sample(1).size() > 0);
        for (ShdDataset.Sample s : d.samples()) {
            for (int u : s.units()) {
                assertTrue(u >= 0 && u < 140);
            }
        }
        // the exact SHD layout: vlen rows under the official names, float16 times unless asked otherwise
        try (io.jhdf.HdfFile h5 = dev.snn4j.data.Hdf5.open(out)) {
            assertTrue(dev.snn4j.data.Hdf5.find(h5, "/spikes/offsets") == null);
            io.jhdf.api.Dataset t = (io.jhdf.api.Dataset) dev.snn4j.data.Hdf5.find(h5, "/spikes/times");
            assertTrue(t.getDataType() instanceof io.jhdf.object.datatype.VariableLength v && v.getParent().getSize() == 2);
        }
        Path out32 = dir.resolve("spikes32.h5");
        assertEquals(0, run("data", "audio2spikes", in.toString(), out32.toString(), "--allow-failures",
                "--times-dtype", "float32").code());
        ShdDataset d32 = ShdDataset.read(out32, 140);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(d32.sample(i).units(), d.sample(i).units());
            float[] t16 = d.sample(i).times();
            float[] t32 = d32.sample(i).times();
            for (int k = 0; k < t16.length; k++) {
                assertEquals(t32[k], t16[k], Math.ulp(t32[k]) * 8192 / 2, "float16 keeps 11 of float's 24 bits");
            }
        }
    }

    @Test
    void optionsAreValidatedBeforeAnyWork(@TempDir Path dir) {
        CliRun r = run("data", "audio2spikes", dir.toString(), dir.resolve("o.h5").toString(), "--n-fft", "100");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--n-fft"), r.err());
        assertEquals(2, run("data", "audio2spikes", dir.toString(), "o.h5", "--encoder", "mp3").code());
        assertEquals(2, run("data", "audio2spikes", dir.toString(), "o.h5", "--times-dtype", "float8").code());
        assertEquals(2, run("data").code());
        CliRun missing = run("data", "audio2spikes", dir.resolve("nope").toString(), dir.resolve("o.h5").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("input folder not found"), missing.err());
        assertFalse(Files.exists(dir.resolve("o.h5")));
    }

    @Test
    void aFolderWithNothingConvertibleWritesNothing(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("readme.md"), "x");
        Path out = dir.resolve("o.h5");
        CliRun r = run("data", "audio2spikes", dir.toString(), out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nothing written"), r.err());
        assertFalse(Files.exists(out));
    }
}
