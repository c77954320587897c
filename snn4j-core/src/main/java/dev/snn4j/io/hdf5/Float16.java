package dev.snn4j.io.hdf5;

/**
 * IEEE 754 binary16 ("half", numpy {@code float16}) conversions; Java 17 has none ({@code Float.floatToFloat16}
 * arrived in Java 20). Used by {@link Hdf5Writer} for {@link Hdf5Type#FLOAT16} data (SHD stores spike times so).
 *
 * <pre>{@code
 * short bits = Float16.toBits(0.67626953125);   // 0x3969, as numpy.float16(0.67626953125).view('u2')
 * double back = Float16.toDouble(bits);         // 0.67626953125
 * }</pre>
 */
public final class Float16 {
    /** Largest finite float16 value. */
    public static final double MAX = 65504.0;

    private Float16() {
    }

    /**
     * The float16 nearest to {@code v} (ties to even, as numpy's {@code astype(float16)}), as raw bits. Values whose
     * magnitude rounds above {@link #MAX} become infinity; NaN stays NaN. Converting straight from the double avoids
     * the double rounding a detour through {@code float} could cause.
     */
    public static short toBits(double v) {
        long bits = Double.doubleToRawLongBits(v);
        int sign = (int) ((bits >>> 48) & 0x8000);
        int exp = (int) ((bits >>> 52) & 0x7ff);
        long mant = bits & 0xfffffffffffffL;
        if (exp == 0x7ff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 1023 + 15; // float16 biased exponent
        if (e >= 31) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            // subnormal float16: value = m * 2^-24 with m = (1.mant) * 2^(e-1+... ) = full >> (43 - e)
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            long full = mant | (1L << 52);
            int shift = 43 - e;
            long m = full >>> shift;
            long rem = full & ((1L << shift) - 1);
            long halfway = 1L << (shift - 1);
            if (rem > halfway || (rem == halfway && (m & 1) != 0)) {
                m++; // may carry into the smallest normal exponent, which is the correct result
            }
            return (short) (sign | m);
        }
        long h = ((long) e << 10) | (mant >>> 42);
        long rem = mant & ((1L << 42) - 1);
        long halfway = 1L << 41;
        if (rem > halfway || (rem == halfway && (h & 1) != 0)) {
            h++; // a carry out of the mantissa bumps the exponent; from the largest finite value it gives infinity
        }
        return (short) (sign | h);
    }

    /** The exact double value of float16 {@code bits}. */
    public static double toDouble(short bits) {
        int b = bits & 0xffff;
        int sign = (b & 0x8000) != 0 ? -1 : 1;
        int exp = (b >>> 10) & 0x1f;
        int mant = b & 0x3ff;
        if (exp == 0x1f) {
            return mant != 0 ? Double.NaN : sign * Double.POSITIVE_INFINITY;
        }
        if (exp == 0) {
            return sign * mant * 0x1p-24;
        }
        return sign * (1024 + mant) * Math.scalb(1.0, exp - 25);
    }
}
