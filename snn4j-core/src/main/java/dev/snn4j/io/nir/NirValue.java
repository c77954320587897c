package dev.snn4j.io.nir;

import java.util.Arrays;
import java.util.Objects;

/**
 * One NIR parameter or metadata value, as stored in an HDF5 dataset: either a numeric array with a numpy dtype
 * ({@code "<f4"}, {@code "<f8"}, {@code "<i4"}, {@code "<i8"}, ...) and a shape ({@code []} for a scalar), or a
 * string (NIR stores strings as scalar datasets; e.g. {@code type}, a Conv padding {@code "same"}, metadata text).
 *
 * <p>Values are kept in full: floats as {@code double} (a float32 value is the exact double of the stored float),
 * integers as {@code long}. Immutable; arrays are copied in and out.
 *
 * <pre>{@code
 * NirValue w = NirValue.float32(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);   // <f4 [2, 3]
 * NirValue stride = NirValue.int64(new long[] {1, 1}, 2);                // <i8 [2]
 * NirValue groups = NirValue.scalar(1L);                                 // <i8 []
 * NirValue pad = NirValue.string("same");
 * double w12 = w.doubles()[1 * 3 + 2];
 * }</pre>
 */
public final class NirValue {
    /** The numpy dtype label of string values. */
    public static final String STRING = "str";

    private final String dtype;
    private final long[] shape;
    private final double[] doubles;
    private final long[] longs;
    private final String string;

    private NirValue(String dtype, long[] shape, double[] doubles, long[] longs, String string) {
        this.dtype = dtype;
        this.shape = shape;
        this.doubles = doubles;
        this.longs = longs;
        this.string = string;
    }

    /** A float64 ({@code <f8}) array; {@code shape} empty for a scalar. */
    public static NirValue float64(double[] values, long... shape) {
        return floating("<f8", values, shape);
    }

    /** A float32 ({@code <f4}) array; each value is rounded to float. */
    public static NirValue float32(double[] values, long... shape) {
        double[] r = new double[values.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) values[i];
        }
        return floating("<f4", r, shape);
    }

    /** A floating array of dtype {@code <f4} or {@code <f8}. */
    public static NirValue floating(String dtype, double[] values, long... shape) {
        if (!dtype.equals("<f4") && !dtype.equals("<f8") && !dtype.equals("<f2")) {
            throw new IllegalArgumentException("NirValue: not a float dtype: " + dtype);
        }
        check(values.length, shape);
        return new NirValue(dtype, shape.clone(), values.clone(), null, null);
    }

    /** An int64 ({@code <i8}) array. */
    public static NirValue int64(long[] values, long... shape) {
        return integer("<i8", values, shape);
    }

    /** An integer array of dtype {@code <i1, <i2, <i4, <i8, <u1, <u2, <u4, <u8}. */
    public static NirValue integer(String dtype, long[] values, long... shape) {
        if (!dtype.matches("<[iu][1248]")) {
            throw new IllegalArgumentException("NirValue: not an integer dtype: " + dtype);
        }
        check(values.length, shape);
        return new NirValue(dtype, shape.clone(), null, values.clone(), null);
    }

    /** A float64 scalar (what {@code nir.write} makes of a Python float). */
    public static NirValue scalar(double v) {
        return float64(new double[] {v});
    }

    /** An int64 scalar (what {@code nir.write} makes of a Python int). */
    public static NirValue scalar(long v) {
        return int64(new long[] {v});
    }

    /** A string (NIR: a scalar variable-length UTF-8 dataset). */
    public static NirValue string(String s) {
        return new NirValue(STRING, new long[0], null, null, Objects.requireNonNull(s, "string"));
    }

    private static void check(int n, long[] shape) {
        long size = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("NirValue: negative dimension in " + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size != n) {
            throw new IllegalArgumentException("NirValue: " + n + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    /** The numpy dtype: {@code <f4}, {@code <f8}, {@code <i8}, ..., or {@link #STRING}. */
    public String dtype() {
        return dtype;
    }

    public boolean isString() {
        return string != null;
    }

    public boolean isFloat() {
        return doubles != null;
    }

    public boolean isInteger() {
        return longs != null;
    }

    /** The shape; empty for scalars and strings. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (1 for a scalar or a string). */
    public int size() {
        return isString() ? 1 : (doubles != null ? doubles.length : longs.length);
    }

    /** The values in row-major order as doubles (integers converted); throws for strings. */
    public double[] doubles() {
        if (isString()) {
            throw new IllegalStateException("NirValue: string \"" + string + "\" has no numeric values");
        }
        if (doubles != null) {
            return doubles.clone();
        }
        double[] d = new double[longs.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = longs[i];
        }
        return d;
    }

    /** The values as longs; throws for strings and for floats that are not whole numbers. */
    public long[] longs() {
        if (isString()) {
            throw new IllegalStateException("NirValue: string \"" + string + "\" has no numeric values");
        }
        if (longs != null) {
            return longs.clone();
        }
        long[] l = new long[doubles.length];
        for (int i = 0; i < l.length; i++) {
            if (doubles[i] != Math.rint(doubles[i])) {
                throw new IllegalStateException("NirValue: " + doubles[i] + " is not an integer");
            }
            l[i] = (long) doubles[i];
        }
        return l;
    }

    /** The single value of a one-element numeric value. */
    public double doubleValue() {
        if (size() != 1 || isString()) {
            throw new IllegalStateException("NirValue: not a single number: " + this);
        }
        return doubles()[0];
    }

    /** The single value of a one-element integer value. */
    public long longValue() {
        if (size() != 1 || isString()) {
            throw new IllegalStateException("NirValue: not a single number: " + this);
        }
        return longs()[0];
    }

    /** The string; throws for numeric values. */
    public String string() {
        if (!isString()) {
            throw new IllegalStateException("NirValue: " + dtype + " value is not a string");
        }
        return string;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NirValue v)) {
            return false;
        }
        return dtype.equals(v.dtype) && Arrays.equals(shape, v.shape) && Arrays.equals(doubles, v.doubles)
                && Arrays.equals(longs, v.longs) && Objects.equals(string, v.string);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(doubles), Arrays.hashCode(longs), string);
    }

    @Override
    public String toString() {
        if (isString()) {
            return "\"" + string + "\"";
        }
        String vals = doubles != null ? Arrays.toString(Arrays.copyOf(doubles, Math.min(6, doubles.length)))
                : Arrays.toString(Arrays.copyOf(longs, Math.min(6, longs.length)));
        return dtype + Arrays.toString(shape) + (size() > 6 ? vals.replace("]", ", ...]") : vals);
    }
}
