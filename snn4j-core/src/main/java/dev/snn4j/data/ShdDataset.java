package dev.snn4j.data;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A spike data set in the SHD/SSC (Spiking Heidelberg Digits / Spiking Speech Commands) layout, read with jHDF.
 *
 * <p>Layouts accepted by {@link #read(Path, int)}:
 * <ul>
 *   <li><b>official</b>: {@code /spikes/times} and {@code /spikes/units} are 1-D variable-length (vlen) datasets, one
 *       row per sample (times in seconds, float16/32/64; units any integer width), {@code /labels} (N,) any integer
 *       width, optional {@code /extra/speaker} (N,) and {@code /extra/keys} (strings, vlen or fixed length);</li>
 *   <li><b>tonic test fixture</b>: the same names, but {@code spikes/*} are fixed 2-D {@code (N, L)} arrays; every row
 *       is taken in full (tonic does the same);</li>
 *   <li><b>snn4j flat layout</b> ("shd-flat-v1"), what {@link ShdWriter} wrote before it could write vlen rows (now
 *       only with {@link ShdWriter.Layout#FLAT}):
 *       {@code /spikes/times_flat}, {@code /spikes/units_flat} (all samples concatenated) and
 *       {@code /spikes/offsets} (N+1,), sample {@code i} = {@code [offsets[i], offsets[i+1])}.</li>
 * </ul>
 * {@code /extra/meta_info} is ignored. Every sample is validated: equal numbers of times and units, units in
 * {@code [0, numChannels)}, times finite and {@code >= 0}, one label per sample. Violations throw
 * {@link DataFormatException} naming the file and dataset.
 *
 * <pre>{@code
 * ShdDataset ds = ShdDataset.read(Path.of("shd_train.h5"));          // 700 channels
 * ShdDataset.Sample s = ds.sample(0);                                 // times [s], units, label
 * float[][][] x = SpikeBinning.SHD.bin(ds.samples().subList(0, 32), ds.numChannels()); // [T][32][140]
 * }</pre>
 */
public final class ShdDataset {
    /** Channel count of SHD and SSC (cochlea model output). */
    public static final int SHD_CHANNELS = 700;

    /**
     * One sample: spike {@code times} in seconds, the matching channel ids {@code units}, and the class label. The
     * arrays are not copied; treat them as read-only. Times are {@code float}: exact for float16/float32 files,
     * rounded (about 0.1 us at 1 s) for float64 files.
     */
    public record Sample(float[] times, int[] units, int label) {
        public Sample {
            if (times.length != units.length) {
                throw new IllegalArgumentException("times (" + times.length + ") and units (" + units.length
                        + ") must have the same length");
            }
        }

        /** Number of spikes. */
        public int size() {
            return times.length;
        }
    }

    private final Path source;
    private final List<Sample> samples;
    private final int numChannels;
    private final int[] speakers;
    private final List<String> keys;

    private ShdDataset(Path source, List<Sample> samples, int numChannels, int[] speakers, List<String> keys) {
        this.source = source;
        this.samples = Collections.unmodifiableList(samples);
        this.numChannels = numChannels;
        this.speakers = speakers;
        this.keys = keys == null ? List.of() : List.copyOf(keys);
    }

    /**
     * An in-memory data set (e.g. produced by {@link AudioSpikeEncoder}), validated as a file would be.
     *
     * @param speakers one per sample, or {@code null}
     * @param keys     class names indexed by label, or {@code null}
     */
    public static ShdDataset of(List<Sample> samples, int numChannels, int[] speakers, List<String> keys)
            throws DataFormatException {
        if (numChannels <= 0) {
            throw new IllegalArgumentException("numChannels must be > 0, got " + numChannels);
        }
        for (int i = 0; i < samples.size(); i++) {
            validate(null, "samples[" + i + "]", samples.get(i).times(), samples.get(i).units(), numChannels);
        }
        if (speakers != null && speakers.length != samples.size()) {
            throw new DataFormatException(null, "speakers", "expected " + samples.size() + " speaker ids, got "
                    + speakers.length);
        }
        return new ShdDataset(null, new ArrayList<>(samples), numChannels, speakers == null ? null : speakers.clone(),
                keys);
    }

    /**
     * Reads an SHD-layout file; the channel count is the root attribute {@code n_channels} if present (files written
     * by {@link ShdWriter}), else 700 (SHD/SSC).
     */
    public static ShdDataset read(Path file) throws IOException {
        return read(file, 0);
    }

    /**
     * Reads an SHD-layout file.
     *
     * @param numChannels declared channel count: every unit must be below it (700 for SHD/SSC); 0 = from the
     *                    {@code n_channels} root attribute, else 700
     * @throws DataFormatException for a missing dataset, wrong type, ragged length mismatch, unit out of range,
     *                             negative/NaN time, label count mismatch, or a file jHDF cannot parse
     */
    public static ShdDataset read(Path file, int numChannels) throws IOException {
        if (numChannels < 0) {
            throw new IllegalArgumentException("numChannels must be >= 0, got " + numChannels);
        }
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException(file + " (no such file)");
        }
        try (HdfFile h5 = Hdf5.open(file)) {
            return readOpen(file, h5, numChannels);
        } catch (HdfException e) {
            throw new DataFormatException(file, "HDF5", "cannot be parsed as HDF5 (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            // jHDF may throw plain runtime exceptions (buffer underflow, class cast) on corrupt files
            throw new DataFormatException(file, "HDF5", "corrupt or unsupported HDF5 content (" + e + ")", e);
        }
    }

    private static ShdDataset readOpen(Path file, HdfFile h5, int numChannels) throws IOException {
        // a truncated file otherwise shows up as "missing dataset" or, worse, reads partially
        long declaredEnd = h5.getHdfBackingStorage().getSuperblock().getBaseAddressByte()
                + h5.getHdfBackingStorage().getSuperblock().getEndOfFileAddress();
        long actual = Files.size(file);
        if (declaredEnd > actual) {
            throw new DataFormatException(file, "HDF5 superblock", "truncated: the superblock declares "
                    + declaredEnd + " bytes, the file has " + actual);
        }
        if (numChannels == 0) {
            numChannels = SHD_CHANNELS;
            io.jhdf.api.Attribute attr = h5.getAttribute("n_channels");
            if (attr != null) {
                Object v = Hdf5.attribute(file, "/ attribute n_channels", attr);
                if (!(v instanceof Number n) || n.longValue() <= 0 || n.longValue() > Integer.MAX_VALUE) {
                    throw new DataFormatException(file, "/ attribute n_channels", "expected a positive integer, got "
                            + v);
                }
                numChannels = n.intValue();
            }
        }
        List<Sample> samples = new ArrayList<>();
        long[] labels = integers(file, "/labels", data(file, h5, "/labels"));
        Object timesData;
        Object unitsData;
        List<float[]> times = new ArrayList<>();
        List<int[]> units = new ArrayList<>();
        if (exists(h5, "/spikes/offsets")) {
            long[] offsets = integers(file, "/spikes/offsets", data(file, h5, "/spikes/offsets"));
            double[] tFlat = floats(file, "/spikes/times_flat", data(file, h5, "/spikes/times_flat"));
            long[] uFlat = integers(file, "/spikes/units_flat", data(file, h5, "/spikes/units_flat"));
            if (tFlat.length != uFlat.length) {
                throw new DataFormatException(file, "/spikes/units_flat", "length " + uFlat.length
                        + " differs from /spikes/times_flat length " + tFlat.length);
            }
            if (offsets.length < 1 || offsets[0] != 0 || offsets[offsets.length - 1] != tFlat.length) {
                throw new DataFormatException(file, "/spikes/offsets", "expected N+1 offsets from 0 to "
                        + tFlat.length + ", got " + offsets.length + " values");
            }
            for (int i = 0; i + 1 < offsets.length; i++) {
                if (offsets[i + 1] < offsets[i]) {
                    throw new DataFormatException(file, "/spikes/offsets", "offsets must not decrease (index " + i
                            + ": " + offsets[i] + " > " + offsets[i + 1] + ")");
                }
                if (offsets[i + 1] > tFlat.length) {   // a later offset would also decrease, but rows are cut first
                    throw new DataFormatException(file, "/spikes/offsets", "offset " + offsets[i + 1] + " at index "
                            + (i + 1) + " is past the " + tFlat.length + " spikes");
                }
                int a = (int) offsets[i];
                int b = (int) offsets[i + 1];
                float[] t = new float[b - a];
                for (int k = a; k < b; k++) {
                    t[k - a] = (float) tFlat[k];
                }
                times.add(t);
                units.add(toInts(file, "/spikes/units_flat", Arrays.copyOfRange(uFlat, a, b)));
            }
        } else {
            timesData = data(file, h5, "/spikes/times");
            unitsData = data(file, h5, "/spikes/units");
            Object[] tRows = rows(file, "/spikes/times", timesData);
            Object[] uRows = rows(file, "/spikes/units", unitsData);
            if (tRows.length != uRows.length) {
                throw new DataFormatException(file, "/spikes/units", "has " + uRows.length
                        + " samples but /spikes/times has " + tRows.length);
            }
            for (int i = 0; i < tRows.length; i++) {
                double[] td = floats(file, "/spikes/times[" + i + "]", tRows[i]);
                float[] t = new float[td.length];
                for (int k = 0; k < td.length; k++) {
                    t[k] = (float) td[k];
                }
                times.add(t);
                units.add(toInts(file, "/spikes/units[" + i + "]", integers(file, "/spikes/units[" + i + "]",
                        uRows[i])));
            }
        }
        if (labels.length != times.size()) {
            throw new DataFormatException(file, "/labels", "expected one label per sample (" + times.size()
                    + "), got " + labels.length);
        }
        String tName = exists(h5, "/spikes/offsets") ? "/spikes/times_flat" : "/spikes/times";
        for (int i = 0; i < times.size(); i++) {
            validate(file, tName + "[" + i + "]", times.get(i), units.get(i), numChannels);
            samples.add(new Sample(times.get(i), units.get(i), toInt(file, "/labels", labels[i])));
        }
        int[] speakers = null;
        if (exists(h5, "/extra/speaker")) {
            speakers = toInts(file, "/extra/speaker",
                    integers(file, "/extra/speaker", data(file, h5, "/extra/speaker")));
            if (speakers.length != samples.size()) {
                throw new DataFormatException(file, "/extra/speaker", "expected one speaker per sample ("
                        + samples.size() + "), got " + speakers.length);
            }
        }
        List<String> keys = null;
        if (exists(h5, "/extra/keys")) {
            Object k = data(file, h5, "/extra/keys");
            if (!(k instanceof String[] ks)) {
                throw new DataFormatException(file, "/extra/keys", "expected a 1-D string dataset, got "
                        + k.getClass().getSimpleName());
            }
            keys = Arrays.asList(ks);
        }
        return new ShdDataset(file, samples, numChannels, speakers, keys);
    }

    private static void validate(Path file, String field, float[] t, int[] u, int numChannels)
            throws DataFormatException {
        if (t.length != u.length) {
            throw new DataFormatException(file, field, "ragged length mismatch: " + t.length + " times but "
                    + u.length + " units");
        }
        for (int k = 0; k < t.length; k++) {
            if (!(t[k] >= 0) || Float.isInfinite(t[k])) {
                throw new DataFormatException(file, field, "time " + t[k] + " at position " + k
                        + ": expected a finite time >= 0 s");
            }
            if (u[k] < 0 || u[k] >= numChannels) {
                throw new DataFormatException(file, field.replace("times", "units"), "unit " + u[k]
                        + " at position " + k + " outside [0, " + numChannels + ") (declared channel count "
                        + numChannels + ")");
            }
        }
    }

    private static boolean exists(HdfFile h5, String path) {
        return Hdf5.find(h5, path) != null; // corrupt structure throws, and is reported as such
    }

    /** The dataset's values, after {@link Hdf5#data}'s size check. */
    private static Object data(Path file, HdfFile h5, String path) throws IOException {
        return Hdf5.data(file, path, dataset(file, h5, path));
    }

    private static Dataset dataset(Path file, HdfFile h5, String path) throws DataFormatException {
        Node n = Hdf5.find(h5, path);
        if (n == null) {
            throw new DataFormatException(file, path, "missing dataset (required by the SHD layout)");
        }
        if (!(n instanceof Dataset d) || n instanceof Group) {
            throw new DataFormatException(file, path, "expected a dataset, found a group");
        }
        return d;
    }

    /** Splits per-sample data: vlen datasets come back as Object[] of arrays, 2-D fixed ones as T[][]. */
    private static Object[] rows(Path file, String field, Object data) throws DataFormatException {
        if (data instanceof Object[] rows && !(data instanceof String[])) {
            for (Object r : rows) {
                if (r == null || !r.getClass().isArray()) {
                    throw new DataFormatException(file, field, "expected one numeric array per sample, got "
                            + (r == null ? "null" : r.getClass().getSimpleName()));
                }
            }
            return rows;
        }
        throw new DataFormatException(file, field, "expected a variable-length (or 2-D) numeric dataset with one row"
                + " per sample, got " + describeType(data));
    }

    private static String describeType(Object data) {
        return data == null ? "null" : data.getClass().getSimpleName();
    }

    static double[] floats(Path file, String field, Object data) throws DataFormatException {
        if (data instanceof float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        if (data instanceof double[] d) {
            return d;
        }
        throw new DataFormatException(file, field, "expected 1-D float16/float32/float64 times, got "
                + describeType(data));
    }

    static long[] integers(Path file, String field, Object data) throws DataFormatException {
        if (data instanceof long[] l) {
            return l;
        }
        long[] out;
        if (data instanceof int[] a) {
            out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
        } else if (data instanceof short[] a) {
            out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
        } else if (data instanceof byte[] a) {
            out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i];
            }
        } else if (data instanceof BigInteger[] a) { // uint64
            out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                if (a[i].bitLength() > 63) {
                    throw new DataFormatException(file, field, "value " + a[i] + " at position " + i
                            + " does not fit a signed 64-bit integer");
                }
                out[i] = a[i].longValue();
            }
        } else {
            throw new DataFormatException(file, field, "expected a 1-D integer dataset (any width), got "
                    + describeType(data));
        }
        return out;
    }

    private static int toInt(Path file, String field, long v) throws DataFormatException {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new DataFormatException(file, field, "value " + v + " does not fit a 32-bit int");
        }
        return (int) v;
    }

    private static int[] toInts(Path file, String field, long[] v) throws DataFormatException {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = toInt(file, field, v[i]);
        }
        return out;
    }

    /** The file this was read from, if any. */
    public Optional<Path> source() {
        return Optional.ofNullable(source);
    }

    /** Number of samples. */
    public int size() {
        return samples.size();
    }

    /** Sample {@code i}. */
    public Sample sample(int i) {
        return samples.get(i);
    }

    /** All samples (unmodifiable). */
    public List<Sample> samples() {
        return samples;
    }

    /** Declared channel count (every unit is below it). */
    public int numChannels() {
        return numChannels;
    }

    /** Labels, one per sample. */
    public int[] labels() {
        int[] l = new int[samples.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = samples.get(i).label();
        }
        return l;
    }

    /** Speaker ids from {@code /extra/speaker}, if present. */
    public Optional<int[]> speakers() {
        return Optional.ofNullable(speakers == null ? null : speakers.clone());
    }

    /** Class names from {@code /extra/keys} (empty if absent), indexed by label. */
    public List<String> keys() {
        return keys;
    }
}
