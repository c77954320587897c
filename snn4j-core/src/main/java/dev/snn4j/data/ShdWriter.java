package dev.snn4j.data;

import dev.snn4j.io.hdf5.Hdf5Type;
import dev.snn4j.io.hdf5.Hdf5WriteException;
import dev.snn4j.io.hdf5.Hdf5Writer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes spike data sets to HDF5 in the exact layout of the official SHD/SSC files, with {@link Hdf5Writer} (jHDF
 * cannot write the variable-length rows SHD needs).
 *
 * <p><b>SHD layout</b> ({@link Layout#SHD}, the default), as the SHD README describes and
 * {@code /work/shared/formats/shd_layout_sample.h5} (h5py + tonic) shows:
 * <pre>
 * /spikes/times   (N,) vlen float16   spike times [s] of each sample, ascending as given
 * /spikes/units   (N,) vlen uint16    matching channel ids
 * /labels         (N,) int64
 * /extra/speaker  (N,) uint16         only if speakers are given
 * /extra/keys     (C,) vlen UTF-8     only if keys are given
 * /extra/meta_info/&lt;name&gt;            only if {@link Options#metaInfo} is given (SHD: gender, age, body_height)
 * </pre>
 * All contiguous, unfiltered, no attributes, except one root attribute {@code n_channels} (int32) when the channel
 * count is not SHD's 700: SHD loaders ignore attributes, and {@link ShdDataset#read(Path)} needs it to know the
 * channel count of, e.g., a 140-channel FSDD conversion. So tonic-style code reads our files as real SHD files:
 * {@code f['spikes']['times'][i]}, {@code f['spikes']['units'][i]}, {@code f['labels'][:]}.
 *
 * <p><b>Time precision.</b> float16 (the SHD dtype) has 11 significant bits: times in [0.5, 1) s are rounded to
 * multiples of 2^-11 s (0.49 ms), in [1, 2) s to 2^-10 s (0.98 ms), so a spike may move by up to half that. Pass
 * {@link Options#timeType} = {@link Hdf5Type#FLOAT32} (or FLOAT64) to keep times exact; every SHD loader reads any
 * float width. Times of 65520 s or more do not fit float16 and are rejected.
 *
 * <p><b>Flat layout</b> ({@link Layout#FLAT}, "{@value #LAYOUT}"), what snn4j wrote while it used jHDF's writer:
 * {@code /spikes/times_flat} float32 and {@code /spikes/units_flat} int32 (all samples concatenated),
 * {@code /spikes/offsets} int64 (N+1,), sample {@code i} = {@code [offsets[i], offsets[i+1])}, {@code /labels} int64,
 * {@code /extra/speaker} int32, {@code /extra/keys} fixed-length UTF-8, root attributes {@code snn4j_layout} and
 * {@code n_channels}. Kept because {@link ShdDataset} still reads such files; nothing else needs it.
 *
 * <pre>{@code
 * ShdDataset ds = ShdDataset.of(samples, 140, speakers, List.of("zero", "one"));
 * ShdWriter.write(Path.of("out.h5"), ds);                          // exact SHD layout, float16 times
 * ShdWriter.write(Path.of("exact.h5"), ds, ShdWriter.Options.defaults().timeType(Hdf5Type.FLOAT32));
 * ShdDataset back = ShdDataset.read(Path.of("out.h5"));            // 140 channels, from the n_channels attribute
 * }</pre>
 */
public final class ShdWriter {
    /** Value of the root attribute {@code snn4j_layout} in the flat layout. */
    public static final String LAYOUT = "shd-flat-v1";

    /** Which layout to write. */
    public enum Layout {
        /** The official SHD/SSC layout (vlen rows). */
        SHD,
        /** snn4j's old flat layout "shd-flat-v1". */
        FLAT
    }

    /**
     * Write options.
     *
     * @param layout   SHD (default) or FLAT
     * @param timeType dtype of the SHD layout's spike times: FLOAT16 (default, as SHD), FLOAT32 or FLOAT64
     * @param metaInfo datasets for {@code /extra/meta_info} (SHD layout only), in order: {@code String[]} becomes vlen
     *                 UTF-8, {@code long[]}/{@code int[]} int64, {@code double[]} float64 (h5py's defaults for Python
     *                 lists, as in the SHD sample); empty = no group
     */
    public record Options(Layout layout, Hdf5Type timeType, Map<String, Object> metaInfo) {
        public Options {
            if (layout == null || timeType == null || metaInfo == null) {
                throw new IllegalArgumentException("layout, timeType and metaInfo must not be null");
            }
            if (timeType != Hdf5Type.FLOAT16 && timeType != Hdf5Type.FLOAT32 && timeType != Hdf5Type.FLOAT64) {
                throw new IllegalArgumentException("timeType must be FLOAT16, FLOAT32 or FLOAT64, got " + timeType);
            }
            metaInfo = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metaInfo));
        }

        /** SHD layout, float16 times, no meta_info. */
        public static Options defaults() {
            return new Options(Layout.SHD, Hdf5Type.FLOAT16, Map.of());
        }

        public Options layout(Layout l) {
            return new Options(l, timeType, metaInfo);
        }

        public Options timeType(Hdf5Type t) {
            return new Options(layout, t, metaInfo);
        }

        public Options metaInfo(Map<String, Object> m) {
            return new Options(layout, timeType, m);
        }
    }

    private ShdWriter() {
    }

    /** Writes {@code ds} to {@code file} (atomically replaced) in the exact SHD layout with float16 times. */
    public static void write(Path file, ShdDataset ds) throws IOException {
        write(file, ds, Options.defaults());
    }

    /**
     * Writes {@code ds} to {@code file} (atomically replaced).
     *
     * @throws DataFormatException if a value does not fit the layout's dtypes (a time beyond float16's range, a unit
     *                             or speaker id above 65535), naming the dataset
     */
    public static void write(Path file, ShdDataset ds, Options options) throws IOException {
        Hdf5Writer w = Hdf5Writer.create();
        try {
            if (options.layout() == Layout.FLAT) {
                flat(w, ds);
            } else {
                shd(w, ds, options);
            }
        } catch (Hdf5WriteException e) {
            throw new DataFormatException(file, e.path(), e.getMessage().substring(e.path().length() + 2), e);
        }
        w.write(file);
    }

    private static void shd(Hdf5Writer w, ShdDataset ds, Options o) {
        int n = ds.size();
        Object[] times = new Object[n];
        Object[] units = new Object[n];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            ShdDataset.Sample s = ds.sample(i);
            times[i] = s.times(); // float -> float16/32/64 happens while writing (rounded to nearest even)
            units[i] = s.units();
            labels[i] = s.label();
        }
        Hdf5Writer.Group root = w.root();
        if (ds.numChannels() != ShdDataset.SHD_CHANNELS) {
            root.attribute("n_channels", Hdf5Type.INT32, new long[0], (long) ds.numChannels());
        }
        Hdf5Writer.Group spikes = root.group("spikes");
        spikes.dataset("times", Hdf5Type.vlen(o.timeType()), new long[] {n}, times);
        spikes.dataset("units", Hdf5Type.vlen(Hdf5Type.UINT16), new long[] {n}, units);
        root.dataset("labels", Hdf5Type.INT64, new long[] {n}, labels);
        int[] speakers = ds.speakers().orElse(null);
        List<String> keys = ds.keys();
        if (speakers == null && keys.isEmpty() && o.metaInfo().isEmpty()) {
            return;
        }
        Hdf5Writer.Group extra = root.group("extra");
        if (!keys.isEmpty()) {
            extra.dataset("keys", Hdf5Type.VLEN_STRING, new long[] {keys.size()}, keys.toArray(new String[0]));
        }
        if (!o.metaInfo().isEmpty()) {
            Hdf5Writer.Group meta = extra.group("meta_info");
            for (Map.Entry<String, Object> e : o.metaInfo().entrySet()) {
                Object v = e.getValue();
                Hdf5Type t = v instanceof String[] ? Hdf5Type.VLEN_STRING : v instanceof double[] ? Hdf5Type.FLOAT64
                        : Hdf5Type.INT64;
                meta.dataset(e.getKey(), t, new long[] {java.lang.reflect.Array.getLength(v)}, v);
            }
        }
        if (speakers != null) {
            extra.dataset("speaker", Hdf5Type.UINT16, new long[] {n}, speakers);
        }
    }

    private static void flat(Hdf5Writer w, ShdDataset ds) {
        int n = ds.size();
        long total = 0;
        for (ShdDataset.Sample s : ds.samples()) {
            total += s.size();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new Hdf5WriteException("/spikes/times_flat", total + " spikes exceed one Java array; split the"
                    + " data set");
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
        Hdf5Writer.Group root = w.root();
        String layout = LAYOUT;
        root.attribute("snn4j_layout", Hdf5Type.fixedString(layout.length() + 1), new long[0], layout);
        root.attribute("n_channels", Hdf5Type.INT32, new long[0], (long) ds.numChannels());
        Hdf5Writer.Group spikes = root.group("spikes");
        spikes.dataset("times_flat", Hdf5Type.FLOAT32, new long[] {total}, times);
        spikes.dataset("units_flat", Hdf5Type.INT32, new long[] {total}, units);
        spikes.dataset("offsets", Hdf5Type.INT64, new long[] {n + 1}, offsets);
        root.dataset("labels", Hdf5Type.INT64, new long[] {n}, labels);
        int[] speakers = ds.speakers().orElse(null);
        List<String> keys = ds.keys();
        if (speakers != null || !keys.isEmpty()) {
            Hdf5Writer.Group extra = root.group("extra");
            if (speakers != null) {
                extra.dataset("speaker", Hdf5Type.INT32, new long[] {n}, speakers);
            }
            if (!keys.isEmpty()) {
                int longest = 1;
                for (String k : keys) {
                    longest = Math.max(longest, k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1);
                }
                extra.dataset("keys", Hdf5Type.fixedString(longest), new long[] {keys.size()},
                        keys.toArray(new String[0]));
            }
        }
    }
}
