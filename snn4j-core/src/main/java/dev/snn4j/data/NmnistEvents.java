package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Events of one N-MNIST recording (event camera, 34 x 34 sensor), and the reader for its binary format: 5 bytes per
 * event, big-endian: {@code x} (u8), {@code y} (u8), then 24 bits = polarity (top bit) + timestamp in microseconds
 * (23 bits). Polarity 1 = ON, 0 = OFF. Events are kept in file order (timestamps ascending in the real files).
 *
 * <p>Binning to frames {@code [T][2][34][34]} (channel = polarity): either a fixed number of frames covering
 * {@code [0, lastTimestamp]} in equal slices, or a fixed bin width in microseconds ({@code T = lastTimestamp / width +
 * 1}, or a fixed {@code T} with events at or after {@code T * width} dropped). Values are event counts, or 1 with
 * {@code clip}.
 *
 * <pre>{@code
 * Map<Integer, Integer> labels = NmnistEvents.readLabels(Path.of("nmnist_small/train1K.txt"));
 * NmnistEvents ev = NmnistEvents.read(Path.of("nmnist_small/1.bs2"));
 * float[][][][] frames = ev.framesByCount(10, false);          // [10][2][34][34]
 * try (NDManager m = NDManager.newBaseManager()) {
 *     NDArray x = NmnistEvents.toNDArray(m, List.of(frames));  // [10, 1, 2, 34, 34]
 * }
 * }</pre>
 *
 * @param x        column, 0..33
 * @param y        row, 0..33
 * @param polarity 0 (OFF) or 1 (ON)
 * @param t        timestamp in microseconds
 */
public record NmnistEvents(byte[] x, byte[] y, byte[] polarity, int[] t) {
    /** Sensor width and height. */
    public static final int SENSOR = 34;
    /** Bytes per event. */
    public static final int EVENT_BYTES = 5;

    public NmnistEvents {
        if (x.length != y.length || x.length != polarity.length || x.length != t.length) {
            throw new IllegalArgumentException("x, y, polarity and t must have equal lengths");
        }
    }

    /** Number of events. */
    public int size() {
        return t.length;
    }

    /**
     * Reads one {@code .bin}/{@code .bs2} event file.
     *
     * @throws DataFormatException if the length is not a multiple of 5 or a coordinate is outside the 34 x 34 sensor
     */
    public static NmnistEvents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size % EVENT_BYTES != 0) {
            throw new DataFormatException(file, "events", "file length " + size + " is not a multiple of "
                    + EVENT_BYTES + " (5-byte N-MNIST events); truncated or not an N-MNIST file");
        }
        if (size > (long) EVENT_BYTES * (Integer.MAX_VALUE - 8)) {
            throw new DataFormatException(file, "events", "file of " + size + " bytes has too many events");
        }
        byte[] b = Files.readAllBytes(file);
        int n = b.length / EVENT_BYTES;
        byte[] xs = new byte[n];
        byte[] ys = new byte[n];
        byte[] ps = new byte[n];
        int[] ts = new int[n];
        for (int i = 0; i < n; i++) {
            int o = i * EVENT_BYTES;
            int x = b[o] & 0xff;
            int y = b[o + 1] & 0xff;
            if (x >= SENSOR || y >= SENSOR) {
                throw new DataFormatException(file, "event " + i, "coordinate (" + x + ", " + y
                        + ") outside the " + SENSOR + "x" + SENSOR + " sensor");
            }
            xs[i] = (byte) x;
            ys[i] = (byte) y;
            ps[i] = (byte) ((b[o + 2] >> 7) & 1);
            ts[i] = (b[o + 2] & 0x7f) << 16 | (b[o + 3] & 0xff) << 8 | (b[o + 4] & 0xff);
        }
        return new NmnistEvents(xs, ys, ps, ts);
    }

    /**
     * Reads a label list ({@code train1K.txt} / {@code test100.txt}): lines {@code "<sample id>\t<class>"}, lines
     * starting with {@code #} and blank lines ignored. Returns sample id -> class in file order.
     */
    public static Map<Integer, Integer> readLabels(Path file) throws IOException {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        List<String> lines = TextFiles.readUtf8(file).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException("expected 2 fields, got " + parts.length);
                }
                Integer prev = out.put(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
                if (prev != null) {
                    throw new DataFormatException(file, "line " + (i + 1), "duplicate sample id " + parts[0]);
                }
            } catch (NumberFormatException e) {
                throw new DataFormatException(file, "line " + (i + 1), "expected '<sample id> <class>', got '"
                        + line + "' (" + e.getMessage() + ")");
            }
        }
        return out;
    }

    /** Last (largest) timestamp in microseconds, 0 if there are no events. */
    public int lastTimestamp() {
        int m = 0;
        for (int v : t) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * {@code numFrames} equal slices of {@code [0, lastTimestamp]}: event at {@code t} goes to frame
     * {@code min(numFrames - 1, floor(t * numFrames / (lastTimestamp + 1)))}.
     */
    public float[][][][] framesByCount(int numFrames, boolean clip) {
        if (numFrames < 1) {
            throw new IllegalArgumentException("numFrames must be >= 1, got " + numFrames);
        }
        long span = lastTimestamp() + 1L;
        float[][][][] out = new float[numFrames][2][SENSOR][SENSOR];
        for (int i = 0; i < t.length; i++) {
            int f = (int) Math.min(numFrames - 1, t[i] * (long) numFrames / span);
            add(out[f], i, clip);
        }
        return out;
    }

    /**
     * Frames of {@code binMicros} microseconds. With {@code numFrames <= 0}, as many frames as needed for the last
     * event; otherwise exactly {@code numFrames}, dropping events at or after {@code numFrames * binMicros}.
     */
    public float[][][][] framesByWidth(long binMicros, int numFrames, boolean clip) {
        if (binMicros < 1) {
            throw new IllegalArgumentException("binMicros must be >= 1, got " + binMicros);
        }
        long steps = numFrames > 0 ? numFrames : lastTimestamp() / binMicros + 1;
        if (steps > 1_000_000) {
            throw new IllegalArgumentException(steps + " frames of 2x34x34 are too many; use a wider bin");
        }
        float[][][][] out = new float[(int) steps][2][SENSOR][SENSOR];
        for (int i = 0; i < t.length; i++) {
            long f = t[i] / binMicros;
            if (f < steps) {
                add(out[(int) f], i, clip);
            }
        }
        return out;
    }

    private void add(float[][][] frame, int i, boolean clip) {
        float[] row = frame[polarity[i]][y[i]];
        row[x[i]] = clip ? 1f : row[x[i]] + 1f;
    }

    /** One sample's frames {@code [T][2][34][34]} as a float32 NDArray {@code [T, 2, 34, 34]}. */
    public static NDArray toNDArray(NDManager manager, float[][][][] frames) {
        return manager.create(flatten(java.util.Collections.singletonList(frames)),
                new Shape(frames.length, 2, SENSOR, SENSOR));
    }

    /**
     * Stacks per-sample frames (each {@code [T][2][34][34]}, same {@code T}) into a float32 NDArray
     * {@code [T, B, 2, 34, 34]}, time-major.
     */
    public static NDArray toNDArray(NDManager manager, List<float[][][][]> batch) {
        float[] flat = flatten(batch); // validates: non-empty, equal T
        return manager.create(flat, new Shape(batch.get(0).length, batch.size(), 2, SENSOR, SENSOR));
    }

    private static float[] flatten(List<float[][][][]> batch) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        int steps = batch.get(0).length;
        int b = batch.size();
        int plane = SENSOR * SENSOR;
        float[] flat = new float[steps * b * 2 * plane];
        for (int j = 0; j < b; j++) {
            float[][][][] s = batch.get(j);
            if (s.length != steps) {
                throw new IllegalArgumentException("sample " + j + " has " + s.length + " frames, expected " + steps);
            }
            for (int f = 0; f < steps; f++) {
                for (int p = 0; p < 2; p++) {
                    for (int r = 0; r < SENSOR; r++) {
                        System.arraycopy(s[f][p][r], 0, flat, (((f * b + j) * 2 + p) * SENSOR + r) * SENSOR, SENSOR);
                    }
                }
            }
        }
        return flat;
    }
}
