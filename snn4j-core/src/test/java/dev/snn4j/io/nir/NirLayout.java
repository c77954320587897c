package dev.snn4j.io.nir;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** The HDF5 layout of a file (every group and dataset with kind, dtype, shape), from the file or a reference JSON. */
final class NirLayout {
    record Entry(String kind, String dtype, long[] shape) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && kind.equals(e.kind) && dtype.equals(e.dtype) && Arrays.equals(shape, e.shape);
        }

        @Override
        public int hashCode() {
            return kind.hashCode();
        }

        @Override
        public String toString() {
            return kind + " " + dtype + " " + Arrays.toString(shape);
        }
    }

    private NirLayout() {
    }

    static Map<String, Entry> fromJson(JsonObject json) {
        Map<String, Entry> m = new TreeMap<>();
        for (JsonElement e : json.getAsJsonArray("hdf5_objects")) {
            JsonObject o = e.getAsJsonObject();
            String path = o.get("path").getAsString();
            if (o.get("kind").getAsString().equals("group")) {
                m.put(path, new Entry("group", "", new long[0]));
                continue;
            }
            JsonObject dt = o.getAsJsonObject("dtype");
            String dtype = dt.get("class").getAsString().equals("STRING")
                    ? (dt.get("variable_length").getAsBoolean() ? "vlen-" : "fixed-")
                    + dt.get("encoding").getAsString().replace("-", "")
                    : dt.get("numpy").getAsString();
            long[] shape = new long[o.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = o.getAsJsonArray("shape").get(i).getAsLong();
            }
            m.put(path, new Entry("dataset", dtype, shape));
        }
        return m;
    }

    static Map<String, Entry> of(Path file) {
        Map<String, Entry> m = new TreeMap<>();
        try (HdfFile h = new HdfFile(file)) {
            walk(h, m);
        }
        return m;
    }

    private static void walk(Group g, Map<String, Entry> m) {
        for (Node n : g.getChildren().values()) {
            String path = n.getPath().replaceAll("/$", "");
            if (n.isGroup()) {
                m.put(path, new Entry("group", "", new long[0]));
                walk((Group) n, m);
            } else {
                Dataset d = (Dataset) n;
                long[] shape = Arrays.stream(d.getDimensions()).asLongStream().toArray();
                m.put(path, new Entry("dataset", dtype(d.getDataType()), shape));
            }
        }
    }

    static String dtype(DataType t) {
        if (t instanceof StringData s) {
            return "fixed-" + (s.getCharset().equals(StandardCharsets.UTF_8) ? "utf8" : "ascii");
        }
        if (t instanceof VariableLength v && v.isVariableLengthString()) {
            return "vlen-" + (v.getEncoding().equals(StandardCharsets.UTF_8) ? "utf8" : "ascii");
        }
        if (t instanceof FloatingPoint) {
            return "<f" + t.getSize();
        }
        if (t instanceof FixedPoint f) {
            return (f.isSigned() ? "<i" : "<u") + t.getSize();
        }
        return t.getClass().getSimpleName();
    }
}
