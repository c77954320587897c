package dev.snn4j.data;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import io.jhdf.exceptions.HdfException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes spike data sets to HDF5 in the closest layout to SHD that jHDF 0.10.0 can produce.
 *
 * <p><b>Limitation.</b> jHDF 0.10.0 writes only fixed-size datasets of {@code byte/short/int/long/float/double},
 * booleans and fixed-length strings ({@code DataType.fromObject}; its {@code VariableLength} type is read-only: it
 * does not implement {@code WritableDataType}), always signed integers, no float16, no chunking/compression, superblock
 * v2. The official SHD layout needs vlen rows ({@code H5T_VLEN} in the global heap), so it cannot be written. This
 * writer uses a flat ("CSR") layout instead:
 * <pre>
 * /spikes/times_flat  float32 (S,)   spike times [s] of all samples, concatenated in sample order
 * /spikes/units_flat  int32   (S,)   matching channel ids
 * /spikes/offsets     int64   (N+1,) sample i = [offsets[i], offsets[i+1]); offsets[0]=0, offsets[N]=S
 * /labels             int64   (N,)
 * /extra/speaker      int32   (N,)   only if speakers are given
 * /extra/keys         fixed-length UTF-8 strings (C,), only if keys are given
 * /  attribute "snn4j_layout" = "shd-flat-v1", attribute "n_channels" (int32)
 * </pre>
 * Beware: given a ragged Java array ({@code float[][]} with rows of different lengths), jHDF 0.10.0 does not reject
 * it: it sizes the dataset from the first row and either fails in {@code close()} with a
 * {@code BufferOverflowException} or silently writes wrong values (checked on this version). This class only hands it
 * 1-D arrays.
 * The {@code spikes/*} names deliberately differ from the official ones, so an SHD loader that indexes
 * {@code f["spikes/times"][i]} fails loudly instead of misreading a flat array. {@link ShdDataset#read(Path, int)}
 * reads this layout; in h5py: {@code o = f["spikes/offsets"][()]; t = f["spikes/times_flat"][o[i]:o[i+1]]}.
 * Checked: h5py 3.7.0 (HDF5 1.10.8) and {@code h5dump} 1.10.8 read such files (a 3000-file FSDD conversion
 * included); {@code ShdWriterTest} runs {@code h5dump} when it is installed.
 *
 * <pre>{@code
 * ShdDataset ds = ShdDataset.of(samples, 140, null, List.of("zero", "one"));
 * ShdWriter.write(Path.of("out.h5"), ds);
 * ShdDataset back = ShdDataset.read(Path.of("out.h5"), 140);
 * }</pre>
 */
public final class ShdWriter {
    /** Value of the root attribute {@code snn4j_layout}. */
    public static final String LAYOUT = "shd-flat-v1";

    private ShdWriter() {
    }

    /** Writes {@code ds} to {@code file} (overwritten) in the flat layout described above. */
    public static void write(Path file, ShdDataset ds) throws IOException {
        int n = ds.size();
        long total = 0;
        for (ShdDataset.Sample s : ds.samples()) {
            total += s.size();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new DataFormatException(file, "/spikes/times_flat", total + " spikes exceed one Java array; split"
                    + " the data set");
        }
        float[] times = new float[(int) total];
        int[] units = new int[(int) total];
        long[] offsets = new long[n + 1];
        long[] labels = new long[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            ShdDataset.Sample s = ds.sample(i);
            System.arraycopy(s.times(), 0, times, pos, s.size());
            System.arraycopy(s.units(), 0, units, pos, s.size());
            pos += s.size();
            offsets[i + 1] = pos;
            labels[i] = s.label();
        }
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("snn4j_layout", LAYOUT);
            h5.putAttribute("n_channels", ds.numChannels());
            WritableGroup spikes = h5.putGroup("spikes");
            spikes.putDataset("times_flat", times);
            spikes.putDataset("units_flat", units);
            spikes.putDataset("offsets", offsets);
            h5.putDataset("labels", labels);
            int[] speakers = ds.speakers().orElse(null);
            List<String> keys = ds.keys();
            if (speakers != null || !keys.isEmpty()) {
                WritableGroup extra = h5.putGroup("extra");
                if (speakers != null) {
                    extra.putDataset("speaker", speakers);
                }
                if (!keys.isEmpty()) {
                    extra.putDataset("keys", keys.toArray(new String[0]));
                }
            }
        } catch (HdfException e) {
            throw new IOException(file + ": jHDF could not write the file (" + e.getMessage() + ")", e);
        }
    }
}
