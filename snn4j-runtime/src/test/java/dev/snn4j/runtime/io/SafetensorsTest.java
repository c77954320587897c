package dev.snn4j.runtime.io;

import dev.snn4j.runtime.io.Safetensors.Contents;
import dev.snn4j.runtime.io.Safetensors.DType;
import dev.snn4j.runtime.io.Safetensors.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryWritableDtypeAndMetadata() throws IOException {
        Path f = dir.resolve("m.safetensors");
        List<Tensor> ts = List.of(
                Tensor.of("fc1.weight", new float[] {1, -2, 3.5f, 4, 5, 6}, 2, 3),
                Tensor.of("fc1.bias", new double[] {0.1, -0.2}, 2),
                Tensor.of("step", new long[] {137}),
                Tensor.of("idx", new int[] {1, 2, 3}, 3),
                Tensor.of("mask", new byte[] {0, 1, (byte) 255}, 3),
                Tensor.of("empty", new float[0], 0, 4));
        Safetensors.write(f, ts, Map.of("format", "pt"));
        Contents c = Safetensors.read(f);
        assertEquals(List.of("fc1.weight", "fc1.bias", "step", "idx", "mask", "empty"), List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), c.metadata());
        assertArrayEquals(new float[] {1, -2, 3.5f, 4, 5, 6}, c.tensor("fc1.weight").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, c.tensor("fc1.weight").shape());
        assertArrayEquals(new double[] {0.1, -0.2}, c.tensor("fc1.bias").toDoubleArray());
        assertEquals(DType.F64, c.tensor("fc1.bias").dtype());
        assertArrayEquals(new long[] {137}, c.tensor("step").toLongArray());
        assertArrayEquals(new long[0], c.tensor("step").shape());
        assertArrayEquals(new long[] {1, 2, 3}, c.tensor("idx").toLongArray());
        assertArrayEquals(new double[] {0, 1, 255}, c.tensor("mask").toDoubleArray());
        assertEquals(0, c.tensor("empty").numel());
        // header is padded to 8 bytes like the reference writer
        long n = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
    }

    @Test
    void readsHalfAndBfloat16() throws IOException {
        // 1.0, -2.0, 65504 (max half), 2^-24 (smallest subnormal), +inf
        short[] half = {0x3c00, (short) 0xc000, 0x7bff, 0x0001, 0x7c00};
        // 1.0, -2.0, 3.140625
        short[] bf = {0x3f80, (short) 0xc000, 0x4049};
        byte[] bytes = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[10,16]}}", shorts(half, bf));
        Contents c = Safetensors.read(bytes, "half.safetensors");
        assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f, Float.POSITIVE_INFINITY}, c.tensor("h").toFloatArray());
        assertArrayEquals(new float[] {1, -2, 3.140625f}, c.tensor("b").toFloatArray());
    }

    @Test
    void truncatedFileIsRejected() {
        String m = error(new byte[] {1, 2, 3});
        assertTrue(m.contains("bad.safetensors") && m.contains("truncated"), m);
    }

    @Test
    void headerLongerThanFileIsRejectedBeforeAllocating() {
        byte[] b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000).array();
        assertTrue(error(b).contains("header length 1000"), error(b));
        byte[] absurd = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE).array();
        assertTrue(error(absurd).contains("out of range"), error(absurd));
    }

    @Test
    void headerLongerThanFileIsRejectedFromDisk() throws IOException {
        Path f = dir.resolve("t.safetensors");
        Files.write(f, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 99_000_000L).array());
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void invalidJsonIsRejected() {
        assertTrue(error(file("{\"a\": [", new byte[0])).contains("not valid JSON"));
        assertTrue(error(file("[1, 2]", new byte[0])).contains("JSON object"));
    }

    @Test
    void unknownDtypeIsRejected() {
        String m = error(file("{\"w\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]));
        assertTrue(m.contains("tensor 'w'") && m.contains("unknown dtype 'F8'"), m);
    }

    @Test
    void shapeSizeMismatchIsRejected() {
        String m = error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        assertTrue(m.contains("tensor 'w'") && m.contains("needs 12 bytes"), m);
    }

    @Test
    void offsetsOutOfRangeOverlappingOrWithHolesAreRejected() {
        String out = error(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", new byte[4]));
        assertTrue(out.contains("out of range"), out);
        String overlap = error(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", new byte[6]));
        assertTrue(overlap.contains("tensor 'b'") && overlap.contains("overlaps"), overlap);
        String hole = error(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", new byte[4]));
        assertTrue(hole.contains("hole"), hole);
        String tail = error(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[4]));
        assertTrue(tail.contains("cover 2 bytes"), tail);
        String neg = error(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-2],\"data_offsets\":[0,2]}}", new byte[2]));
        assertTrue(neg.contains("field 'shape'"), neg);
    }

    @Test
    void duplicateNamesAreRejected() {
        String m = error(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", new byte[2]));
        assertTrue(m.contains("duplicate entry 'a'"), m);
    }

    @Test
    void badMetadataIsRejected() {
        String m = error(file("{\"__metadata__\":{\"epoch\":3}}", new byte[0]));
        assertTrue(m.contains("'epoch' must be a string"), m);
    }

    private static String error(byte[] bytes) {
        return assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(bytes, "bad.safetensors"))
                .getMessage();
    }

    private static byte[] file(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] shorts(short[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (short[] p : parts) {
            for (short s : p) {
                b.putShort(s);
            }
        }
        return b.array();
    }
}
