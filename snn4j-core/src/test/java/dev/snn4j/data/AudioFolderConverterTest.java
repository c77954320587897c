package dev.snn4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AudioFolderConverterTest {

    @Test
    void fsddNames() {
        assertEquals(3, AudioFolderConverter.fsddLabel("3_theo_12.wav"));
        assertEquals(0, AudioFolderConverter.fsddLabel("0_george_0.wav"));
        assertEquals(-1, AudioFolderConverter.fsddLabel("hello.wav"));
        assertEquals(-1, AudioFolderConverter.fsddLabel("12_theo_1.wav"));
        assertEquals(-1, AudioFolderConverter.fsddLabel("3_theo_12.mp3"));
    }

    @Test
    void convertsAndReportsEveryFailure(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectory(tmp.resolve("in"));
        WavWriter.writePcm16(in.resolve("3_theo_0.wav"), AudioFrontEndTest.burst(0.5));
        WavWriter.writePcm16(in.resolve("7_ann_1.wav"), AudioFrontEndTest.burst(0.1));
        WavWriter.writePcm16(in.resolve("1_theo_2.wav"), AudioFrontEndTest.tone(500, 0.3, 16000, 0.4)); // resampled
        WavWriter.writePcm16(in.resolve("0_ann_3.wav"), new Audio(new float[4000], 8000)); // silence: 0 spikes
        Files.writeString(in.resolve("5_bob_0.wav"), "not a wav");
        Files.writeString(in.resolve("README.txt"), "notes");
        WavWriter.writePcm16(in.resolve("hello.wav"), AudioFrontEndTest.burst(0.5));
        Files.createDirectory(in.resolve("sub"));

        Path out = tmp.resolve("out.h5");
        AudioFolderConverter.Result r = AudioFolderConverter.defaults().convert(in, out);
        assertTrue(r.written());
        assertFalse(r.ok());
        assertEquals(4, r.convertedCount());
        assertEquals(4, r.failures().size(), r.failures().toString());
        assertTrue(reason(r, "5_bob_0.wav").contains("not a RIFF"), reason(r, "5_bob_0.wav"));
        assertTrue(reason(r, "README.txt").contains("not a .wav"));
        assertTrue(reason(r, "hello.wav").contains("{digit}_{speaker}_{index}"));
        assertTrue(reason(r, "sub").contains("not a regular file"));
        assertEquals(List.of("ann", "theo"), r.speakers());

        ShdDataset ds = ShdDataset.read(out, r.numChannels());
        assertEquals(140, ds.numChannels());
        // file-name order: 0_ann_3, 1_theo_2, 3_theo_0, 7_ann_1
        assertArrayEquals(new int[] {0, 1, 3, 7}, ds.labels());
        assertArrayEquals(new int[] {0, 1, 1, 0}, ds.speakers().orElseThrow());
        assertEquals(AudioFolderConverter.DIGIT_KEYS, ds.keys());
        assertEquals(0, ds.sample(0).size());
        assertTrue(ds.sample(1).size() > 0 && ds.sample(2).size() > ds.sample(3).size());
        assertEquals(r.totalSpikes(), ds.samples().stream().mapToLong(ShdDataset.Sample::size).sum());
    }

    private static String reason(AudioFolderConverter.Result r, String name) {
        return r.failures().stream().filter(f -> f.file().getFileName().toString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not reported")).reason();
    }

    @Test
    void nothingConvertibleWritesNothing(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectory(tmp.resolve("in"));
        Files.writeString(in.resolve("1_a_1.wav"), "RIFF");
        AudioFolderConverter.Result r = AudioFolderConverter.defaults().convert(in, tmp.resolve("o.h5"));
        assertFalse(r.written());
        assertEquals(1, r.failures().size());
        assertFalse(Files.exists(tmp.resolve("o.h5")));
    }

    @Test
    void realFsddSubsetIfPresent(@TempDir Path tmp) throws Exception {
        Path dir = WavReaderTest.fsdd();
        assumeTrue(dir != null, "FSDD recordings not found; skipping real-data conversion test");
        Path in = Files.createDirectory(tmp.resolve("in"));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().limit(20).toList()) {
                Files.copy(p, in.resolve(p.getFileName()));
            }
        }
        AudioFolderConverter.Result r = AudioFolderConverter.defaults().convert(in, tmp.resolve("fsdd.h5"));
        assertTrue(r.ok(), r.failures().toString());
        ShdDataset ds = ShdDataset.read(tmp.resolve("fsdd.h5"), 140);
        assertEquals(20, ds.size());
        for (ShdDataset.Sample s : ds.samples()) {
            assertTrue(s.size() > 100, "a spoken digit gives many spikes, got " + s.size());
        }
        float[][][] x = SpikeBinning.defaults().bin(ds.samples(), 140);
        assertEquals(140, x[0][0].length);
    }
}
