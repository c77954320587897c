package dev.snn4j.data;

import dev.snn4j.io.hdf5.ExternalTools;
import dev.snn4j.io.hdf5.Float16;
import dev.snn4j.io.hdf5.Hdf5Type;
import io.jhdf.HdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShdWriterTest {

    static ShdDataset small() throws DataFormatException {
        return ShdDataset.of(List.of(
                        new ShdDataset.Sample(new float[] {0f, 0.0125f, 1.5f}, new int[] {0, 139, 7}, 3),
                        new ShdDataset.Sample(new float[0], new int[0], 0),
                        new ShdDataset.Sample(new float[] {0.25f}, new int[] {42}, 9)),
                140, new int[] {5, 6, 7}, List.of("zero", "fünf", "x", "y", "z", "a", "b", "c", "d", "nine"));
    }

    private static float half(float t) {
        return (float) Float16.toDouble(Float16.toBits(t));
    }

    private static void assertSame(ShdDataset ds, ShdDataset back, boolean float16) {
        assertEquals(ds.numChannels(), back.numChannels());
        assertEquals(ds.size(), back.size());
        for (int i = 0; i < ds.size(); i++) {
            float[] want = ds.sample(i).times().clone();
            for (int k = 0; float16 && k < want.length; k++) {
                want[k] = half(want[k]);
            }
            assertArrayEquals(want, back.sample(i).times());
            assertArrayEquals(ds.sample(i).units(), back.sample(i).units());
            assertEquals(ds.sample(i).label(), back.sample(i).label());
        }
        assertArrayEquals(ds.speakers().orElseThrow(), back.speakers().orElseThrow());
        assertEquals(ds.keys(), back.keys());
    }

    @Test
    void roundTripThroughTheShdLayout(@TempDir Path dir) throws Exception {
        ShdDataset ds = small();
        Path f = dir.resolve("rt.h5");
        ShdWriter.write(f, ds);
        ShdDataset back = ShdDataset.read(f); // channel count from the n_channels attribute
        assertSame(ds, back, true);
        assertEquals(0.0125f, back.sample(0).times()[1], 0.5 * 0x1p-17); // float16 spacing at 0.0125 s is 2^-17 s
        try (HdfFile h5 = Hdf5.open(f)) {
            assertEquals(List.of("extra", "labels", "spikes"), List.copyOf(h5.getChildren().keySet()));
            assertEquals(List.of("times", "units"),
                    List.copyOf(((io.jhdf.api.Group) h5.getChild("spikes")).getChildren().keySet()));
            assertNull(Hdf5.find(h5, "/spikes/offsets"));
        }
        // declared channel count is enforced on read-back too
        assertTrue(assertThrows(DataFormatException.class, () -> ShdDataset.read(f, 100)).getMessage()
                .contains("unit 139"));
        // float32 times keep every value exactly; 700 channels write no attribute at all
        ShdDataset shd = ShdDataset.of(ds.samples(), 700, new int[] {1, 2, 3}, List.of());
        Path f32 = dir.resolve("f32.h5");
        ShdWriter.write(f32, shd, ShdWriter.Options.defaults().timeType(Hdf5Type.FLOAT32));
        ShdDataset back32 = ShdDataset.read(f32);
        assertEquals(List.of(), back32.keys());
        assertArrayEquals(new float[] {0f, 0.0125f, 1.5f}, back32.sample(0).times());
        try (HdfFile h5 = Hdf5.open(f32)) {
            assertTrue(h5.getAttributes().isEmpty());
        }
    }

    @Test
    void roundTripThroughTheOldFlatLayout(@TempDir Path dir) throws Exception {
        ShdDataset ds = small();
        Path f = dir.resolve("flat.h5");
        ShdWriter.write(f, ds, ShdWriter.Options.defaults().layout(ShdWriter.Layout.FLAT));
        assertSame(ds, ShdDataset.read(f), false);
        try (HdfFile h5 = Hdf5.open(f)) {
            assertEquals(ShdWriter.LAYOUT, h5.getAttribute("snn4j_layout").getData());
            assertTrue(Hdf5.find(h5, "/spikes/offsets") != null);
        }
    }

    @Test
    void valuesOutsideTheShdDtypesAreTypedErrors(@TempDir Path dir) throws Exception {
        ShdDataset late = ShdDataset.of(List.of(new ShdDataset.Sample(new float[] {70000f}, new int[] {0}, 0)), 700,
                null, null);
        DataFormatException e = assertThrows(DataFormatException.class, () -> ShdWriter.write(dir.resolve("a.h5"),
                late));
        assertTrue(e.getMessage().contains("/spikes/times") && e.getMessage().contains("overflows float16"),
                e.getMessage());
        ShdDataset wide = ShdDataset.of(List.of(new ShdDataset.Sample(new float[] {1f}, new int[] {70000}, 0)),
                100000, null, null);
        e = assertThrows(DataFormatException.class, () -> ShdWriter.write(dir.resolve("b.h5"), wide));
        assertTrue(e.getMessage().contains("/spikes/units") && e.getMessage().contains("does not fit uint16"),
                e.getMessage());
        assertEquals(List.of(), Files.list(dir).toList()); // nothing written, no temporary file left
    }

    @Test
    void writtenFileIsValidForTheHdf5CommandLineTools(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tools.h5");
        ShdWriter.write(f, small());
        String out = ExternalTools.run(dir, "h5dump", "-d", "/spikes/units", f.toString()).replaceAll("\\s+", " ");
        assertTrue(out.contains("DATATYPE H5T_VLEN { H5T_STD_U16LE} DATASPACE SIMPLE { ( 3 ) / ( 3 ) } DATA { (0):"
                + " (0, 139, 7), (), (42) }"), out);
    }

    /** tonic-style access with h5py: {@code f['spikes']['times'][i]} etc. Skips without /usr/bin/python3 + h5py. */
    @Test
    void h5pyReadsItLikeAnShdLoader(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("py.h5");
        ShdWriter.write(f, small());
        String out = ExternalTools.python(dir, String.join("\n",
                "import h5py, sys",
                "f = h5py.File(sys.argv[1], 'r')",
                "for i in range(3): print(f['spikes']['times'][i].dtype, f['spikes']['times'][i].tolist(),"
                        + " f['spikes']['units'][i].tolist())",
                "print(f['labels'][:].tolist(), f['labels'].dtype, f['extra']['speaker'][()].tolist(),"
                        + " f['extra/keys'][1].decode())"), f.toString());
        assertEquals(String.join("\n",
                "float16 [0.0, 0.0124969482421875, 1.5] [0, 139, 7]", // = numpy.float16(numpy.float32(0.0125))
                "float16 [] []",
                "float16 [0.25] [42]",
                "[3, 0, 9] int64 [5, 6, 7] fünf"), out.strip());
    }
}
