package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.runtime.io.Safetensors;
import dev.snn4j.runtime.io.Safetensors.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model weights as safetensors: every parameter and buffer under its dotted name ({@code fc1.weight},
 * {@code bn.running_mean}), in its own dtype (float32 or float64), so files can be compared with PyTorch state dicts.
 *
 * <pre>{@code
 * StateDict.save(Path.of("model.safetensors"), model);   StateDict.load(Path.of("model.safetensors"), model);
 * }</pre>
 */
public final class StateDict {
    private StateDict() {
    }

    /** Writes the model's parameters and buffers (atomically). */
    public static void save(Path file, Module model) throws IOException {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> arrays.put(k, p.value()));
        Safetensors.write(file, toTensors(arrays), Map.of("format", "pt"));
    }

    /**
     * Loads {@code file} into the model after checking that names and shapes match exactly; otherwise throws a
     * {@link CheckpointFormatException} listing every missing, unexpected and mismatched name, and changes nothing.
     * Values are converted to each parameter's dtype.
     */
    public static void load(Path file, Module model) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, Parameter> params = model.namedParameters();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        params.forEach((k, p) -> {
            Tensor t = c.tensors().get(k);
            if (t == null) {
                missing.add(k);
            } else if (!new Shape(t.shape()).equals(p.value().getShape())) {
                mismatched.add(k + ": file " + new Shape(t.shape()) + " vs model " + p.value().getShape());
            }
        });
        c.tensors().keySet().stream().filter(k -> !params.containsKey(k)).forEach(unexpected::add);
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
            throw new CheckpointFormatException(file + " does not match the model: missing " + missing
                    + "; unexpected " + unexpected + "; shape mismatch " + mismatched);
        }
        NDManager first = params.values().iterator().next().value().getManager();
        try (NDManager tmp = first.newSubManager()) {
            params.forEach((k, p) -> p.copyFrom(toArray(tmp, c.tensor(k))));
        }
    }

    /** Converts named arrays (float32/64, int32/64, uint8, boolean) to safetensors tensors. */
    public static List<Tensor> toTensors(Map<String, NDArray> arrays) {
        List<Tensor> out = new ArrayList<>();
        arrays.forEach((k, a) -> out.add(toTensor(k, a)));
        return out;
    }

    /** One array as a safetensors tensor (copies the data to the heap). */
    public static Tensor toTensor(String name, NDArray a) {
        long[] shape = a.getShape().getShape();
        return switch (a.getDataType()) {
            case FLOAT32 -> Tensor.of(name, a.toFloatArray(), shape);
            case FLOAT64 -> Tensor.of(name, a.toDoubleArray(), shape);
            case INT64 -> Tensor.of(name, a.toLongArray(), shape);
            case INT32 -> Tensor.of(name, a.toIntArray(), shape);
            case UINT8, BOOLEAN -> Tensor.of(name, a.toType(DataType.UINT8, false).toUint8Array(), shape);
            default -> throw new IllegalArgumentException("'" + name + "': cannot store dtype " + a.getDataType());
        };
    }

    /** A tensor as an array on {@code manager}; F16 and BF16 become float32, U8/BOOL uint8. */
    public static NDArray toArray(NDManager manager, Tensor t) {
        Shape shape = new Shape(t.shape());
        return switch (t.dtype()) {
            case F64 -> manager.create(t.toDoubleArray(), shape);
            case F32, F16, BF16 -> manager.create(t.toFloatArray(), shape);
            case I64 -> manager.create(t.toLongArray(), shape);
            case I32, I16, I8 -> manager.create(toInts(t.toLongArray()), shape);
            case U8, BOOL -> manager.create(t.data(), shape, DataType.UINT8);
        };
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }
}
