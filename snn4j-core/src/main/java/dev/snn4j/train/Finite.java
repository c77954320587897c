package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Parameter;

import java.util.Arrays;
import java.util.Map;

/**
 * Finds the first NaN or infinity in an array, for error messages that name the value and where it is
 * ({@code "NaN at [2, 0]"}). Only called once a cheap check (a loss, a global norm) has already failed, or once per
 * checkpoint, so the extra passes cost nothing per training step.
 *
 * <pre>{@code
 * String where = Finite.firstNonFinite(param.value());   // null if every value is finite
 * }</pre>
 */
public final class Finite {
    private Finite() {
    }

    /** {@code "<value> at [i, j, ...]"} for the first non-finite element, or {@code null} if all are finite. */
    public static String firstNonFinite(NDArray a) {
        DataType t = a.getDataType();
        if (!t.isFloating()) {
            return null;
        }
        try (NDScope ignored = new NDScope()) {
            NDArray bad = a.isNaN().logicalOr(a.isInfinite());
            if (!bad.any().getBoolean()) {
                return null;
            }
            long flat = bad.flatten().toType(DataType.INT32, false).argMax().getLong();
            double v = a.flatten().get(flat).toType(DataType.FLOAT64, false).getDouble();
            return v + " at " + unravel(flat, a.getShape());
        }
    }

    /** The first parameter of {@code params} holding a non-finite value, as {@code [name, "<value> at [..]"]}. */
    public static String[] firstNonFiniteParameter(Map<String, Parameter> params) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String where = firstNonFinite(e.getValue().value());
            if (where != null) {
                return new String[] {e.getKey(), where};
            }
        }
        return null;
    }

    private static String unravel(long flat, Shape shape) {
        long[] idx = new long[shape.dimension()];
        long rest = flat;
        for (int i = idx.length - 1; i >= 0; i--) {
            idx[i] = rest % shape.get(i);
            rest /= shape.get(i);
        }
        return Arrays.toString(idx);
    }
}
