package dev.snn4j.runtime.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format in pure Java:
 * an 8-byte little-endian header length {@code N}, {@code N} bytes of JSON
 * ({@code {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {...}}}), then
 * the raw little-endian tensor bytes, offsets relative to the end of the header. Every tensor's bytes must be exactly
 * {@code prod(shape) * sizeof(dtype)}, and the tensors must tile the data area without holes or overlaps.
 *
 * <pre>{@code
 * Safetensors.write(path, List.of(Safetensors.Tensor.of("fc1.weight", new float[] {1, 2, 3, 4}, 2, 2)), Map.of());
 * float[] w = Safetensors.read(path).tensor("fc1.weight").toFloatArray();
 * }</pre>
 *
 * <p>Whole files are read into memory, so a file (and each tensor) is limited to 2 GiB.
 */
public final class Safetensors {
    /** The format's own limit on the JSON header (100 MB, as the reference implementation). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA = "__metadata__";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Safetensors() {
    }

    /** Element types; F16 and BF16 can be read and converted, other types can be read and written. */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        private final int size;

        DType(int size) {
            this.size = size;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }
    }

    /**
     * One named tensor: dtype, shape and its little-endian bytes (a read-only buffer positioned at 0).
     *
     * <pre>{@code
     * Safetensors.Tensor t = Safetensors.Tensor.of("bias", new double[] {0.5, -1}, 2);
     * }</pre>
     */
    public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {
        public Tensor {
            if (name == null || name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("tensor name must be non-empty and not '" + METADATA + "'");
            }
            shape = shape.clone();
            long n = numel(shape, name);
            if (n * dtype.size() != data.remaining()) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " of "
                        + dtype + " needs " + n * dtype.size() + " bytes but got " + data.remaining());
            }
            data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        public static Tensor of(String name, float[] v, long... shape) {
            ByteBuffer b = allocate(v.length, 4);
            b.asFloatBuffer().put(v);
            return new Tensor(name, DType.F32, shape, b);
        }

        public static Tensor of(String name, double[] v, long... shape) {
            ByteBuffer b = allocate(v.length, 8);
            b.asDoubleBuffer().put(v);
            return new Tensor(name, DType.F64, shape, b);
        }

        public static Tensor of(String name, long[] v, long... shape) {
            ByteBuffer b = allocate(v.length, 8);
            b.asLongBuffer().put(v);
            return new Tensor(name, DType.I64, shape, b);
        }

        public static Tensor of(String name, int[] v, long... shape) {
            ByteBuffer b = allocate(v.length, 4);
            b.asIntBuffer().put(v);
            return new Tensor(name, DType.I32, shape, b);
        }

        /** Unsigned bytes (U8). */
        public static Tensor of(String name, byte[] v, long... shape) {
            return new Tensor(name, DType.U8, shape, ByteBuffer.wrap(v.clone()));
        }

        private static ByteBuffer allocate(int n, int size) {
            return ByteBuffer.allocate(Math.multiplyExact(n, size)).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The shape (a copy). */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** A fresh little-endian view of the bytes. */
        @Override
        public ByteBuffer data() {
            return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Number of elements. */
        public long numel() {
            return numel(shape, name);
        }

        /** The values as float64, converted from any dtype. */
        public double[] toDoubleArray() {
            ByteBuffer b = data();
            double[] out = new double[Math.toIntExact(numel())];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (dtype) {
                    case F64 -> b.getDouble();
                    case F32 -> b.getFloat();
                    case F16 -> halfToFloat(b.getShort());
                    case BF16 -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    case I64 -> b.getLong();
                    case I32 -> b.getInt();
                    case I16 -> b.getShort();
                    case I8 -> b.get();
                    case U8, BOOL -> b.get() & 0xff;
                };
            }
            return out;
        }

        /** The values as float32 (F64 and I64 are rounded). */
        public float[] toFloatArray() {
            if (dtype == DType.F32) {
                float[] out = new float[Math.toIntExact(numel())];
                data().asFloatBuffer().get(out);
                return out;
            }
            double[] d = toDoubleArray();
            float[] out = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = (float) d[i];
            }
            return out;
        }

        /** The values as longs; only for integer and boolean dtypes. */
        public long[] toLongArray() {
            if (dtype == DType.I64) {
                long[] out = new long[Math.toIntExact(numel())];
                data().asLongBuffer().get(out);
                return out;
            }
            if (dtype == DType.F64 || dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16) {
                throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not an integer type");
            }
            return Arrays.stream(toDoubleArray()).mapToLong(x -> (long) x).toArray();
        }

        @Override
        public String toString() {
            return "Tensor(" + name + ", " + dtype + ", " + Arrays.toString(shape) + ")";
        }

        private static long numel(long[] shape, String name) {
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                            + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    /**
     * A file's tensors (in file order) and its {@code __metadata__} strings.
     *
     * <pre>{@code
     * Safetensors.Contents c = Safetensors.read(path); c.tensor("fc1.weight");
     * }</pre>
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The tensor called {@code name}; throws naming the available tensors if absent. */
        public Tensor tensor(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no tensor '" + name + "'; the file has " + tensors.keySet());
            }
            return t;
        }
    }

    /** Reads a whole file. */
    public static Contents read(Path file) throws IOException {
        String src = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw fail(src, "truncated file: " + size + " bytes, expected at least 8 (the header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, src);
            checkHeaderLength(lenBuf.getLong(0), size, src);
            if (size > Integer.MAX_VALUE - 8) {
                throw fail(src, "file of " + size + " bytes is larger than the 2 GiB this reader supports");
            }
            ByteBuffer all = ByteBuffer.allocate((int) size);
            readFully(ch, all, 0, src);
            return parse(all.array(), src);
        }
    }

    /** Parses an in-memory file; {@code source} names it in error messages. */
    public static Contents read(byte[] bytes, String source) throws SafetensorsFormatException {
        if (bytes.length < 8) {
            throw fail(source, "truncated file: " + bytes.length + " bytes, expected at least 8 (the header length)");
        }
        checkHeaderLength(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0), bytes.length, source);
        return parse(bytes, source);
    }

    private static void checkHeaderLength(long n, long fileSize, String src) throws SafetensorsFormatException {
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw fail(src, "header length " + n + " is out of range; expected 2.." + MAX_HEADER_BYTES
                    + " (is this a safetensors file?)");
        }
        if (n > fileSize - 8) {
            throw fail(src, "truncated file: header length " + n + " but only " + (fileSize - 8)
                    + " bytes follow the 8-byte length");
        }
    }

    private static Contents parse(byte[] bytes, String src) throws SafetensorsFormatException {
        int n = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        JsonObject header;
        String json = new String(bytes, 8, n, StandardCharsets.UTF_8);
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw fail(src, "header must be a JSON object but is " + e);
            }
            header = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new SafetensorsFormatException(src + ": header is not valid JSON: " + e.getMessage(), e);
        }
        rejectDuplicateNames(json, src);
        int dataStart = 8 + n;
        long dataLen = bytes.length - (long) dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> kv : header.entrySet()) {
            if (kv.getKey().equals(METADATA)) {
                readMetadata(kv.getValue(), metadata, src);
            } else {
                entries.add(readEntry(kv.getKey(), kv.getValue(), dataLen, src));
            }
        }
        // Tensors must tile [0, dataLen) exactly: no holes, no overlaps, nothing left over.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin != expected) {
                throw fail(src, "tensor '" + e.name + "': data_offsets start at " + e.begin + " but expected "
                        + expected + (e.begin < expected ? " (overlaps the previous tensor)" : " (leaves a hole)"));
            }
            expected = e.end;
        }
        if (expected != dataLen) {
            throw fail(src, "tensors cover " + expected + " bytes of data but the file has " + dataLen
                    + " bytes after the header");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) e.begin, (int) (e.end - e.begin));
            tensors.put(e.name, new Tensor(e.name, e.dtype, e.shape, slice));
        }
        return new Contents(tensors, metadata);
    }

    /** Gson keeps the last of repeated keys silently; the format forbids them. */
    private static void rejectDuplicateNames(String json, String src) throws SafetensorsFormatException {
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            Set<String> seen = new HashSet<>();
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) {
                    throw fail(src, "duplicate entry '" + name + "' in header");
                }
                r.skipValue();
            }
        } catch (IOException | IllegalStateException e) {
            if (e instanceof SafetensorsFormatException f) {
                throw f;
            }
            throw new SafetensorsFormatException(src + ": header is not valid JSON: " + e.getMessage(), e);
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static Entry readEntry(String name, JsonElement value, long dataLen, String src)
            throws SafetensorsFormatException {
        String where = "tensor '" + name + "'";
        if (name.isEmpty()) {
            throw fail(src, "empty tensor name in header");
        }
        if (!value.isJsonObject()) {
            throw fail(src, where + ": expected an object {dtype, shape, data_offsets} but got " + value);
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dt = o.get("dtype");
        if (dt == null || !dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString()) {
            throw fail(src, where + ": field 'dtype' must be a string, got " + dt);
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dt.getAsString());
        } catch (IllegalArgumentException e) {
            throw fail(src, where + ": unknown dtype '" + dt.getAsString() + "'; expected one of "
                    + Arrays.toString(DType.values()));
        }
        long[] shape = longArray(o.get("shape"), -1, where + ": field 'shape'", src);
        long[] offsets = longArray(o.get("data_offsets"), 2, where + ": field 'data_offsets'", src);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataLen) {
            throw fail(src, where + ": data_offsets [" + begin + ", " + end + "] out of range; expected "
                    + "0 <= begin <= end <= " + dataLen + " (bytes after the header)");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(Tensor.numel(shape, name), dtype.size());
        } catch (ArithmeticException e) {
            throw fail(src, where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        if (bytes != end - begin) {
            throw fail(src, where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] longArray(JsonElement e, int length, String where, String src)
            throws SafetensorsFormatException {
        if (e == null || !e.isJsonArray()) {
            throw fail(src, where + " must be an array of non-negative integers, got " + e);
        }
        JsonArray a = e.getAsJsonArray();
        if (length >= 0 && a.size() != length) {
            throw fail(src, where + " must have " + length + " entries, got " + a);
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            try {
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                    throw new NumberFormatException();
                }
                out[i] = new BigDecimal(x.getAsString()).longValueExact();
            } catch (NumberFormatException | ArithmeticException ex) {
                throw fail(src, where + " must hold integers, got " + x);
            }
            if (out[i] < 0) {
                throw fail(src, where + " must hold non-negative integers, got " + out[i]);
            }
        }
        return out;
    }

    private static void readMetadata(JsonElement value, Map<String, String> out, String src)
            throws SafetensorsFormatException {
        if (!value.isJsonObject()) {
            throw fail(src, "'" + METADATA + "' must be an object of strings, got " + value);
        }
        for (Map.Entry<String, JsonElement> kv : value.getAsJsonObject().entrySet()) {
            JsonElement v = kv.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw fail(src, "'" + METADATA + "' entry '" + kv.getKey() + "' must be a string, got " + v);
            }
            out.put(kv.getKey(), v.getAsString());
        }
    }

    /** Atomically writes {@code tensors} (in the given order) and {@code metadata} to {@code file}. */
    public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, metadata));
    }

    /** The bytes of a safetensors file holding {@code tensors} and {@code metadata}. */
    public static byte[] toBytes(Collection<Tensor> tensors, Map<String, String> metadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, tensors, metadata);
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen in memory
        }
        return out.toByteArray();
    }

    /** Streams a safetensors file to {@code out}. */
    public static void write(OutputStream out, Collection<Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (header.has(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape) {
                shape.add(new JsonPrimitive(d));
            }
            o.add("shape", shape);
            long bytes = t.data.remaining();
            JsonArray offs = new JsonArray();
            offs.add(new JsonPrimitive(offset));
            offs.add(new JsonPrimitive(offset + bytes));
            o.add("data_offsets", offs);
            header.add(t.name(), o);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // pad with spaces to 8 bytes, as the reference writer does
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
        out.write(len.array());
        out.write(head);
        byte[] chunk = new byte[1 << 16];
        for (Tensor t : tensors) {
            ByteBuffer b = t.data();
            while (b.hasRemaining()) {
                int k = Math.min(chunk.length, b.remaining());
                b.get(chunk, 0, k);
                out.write(chunk, 0, k);
            }
        }
    }

    /** IEEE 754 half precision to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf or NaN
        }
        if (exp == 0) {
            float f = mant * 0x1p-24f; // zero or subnormal
            return sign == 0 ? f : -f;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, String src) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int k = ch.read(buf, p);
            if (k < 0) {
                throw fail(src, "truncated file: unexpected end at byte " + p);
            }
            p += k;
        }
    }

    private static SafetensorsFormatException fail(String src, String message) {
        return new SafetensorsFormatException(src + ": " + message);
    }
}
