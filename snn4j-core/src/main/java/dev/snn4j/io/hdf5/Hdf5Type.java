package dev.snn4j.io.hdf5;

import java.io.ByteArrayOutputStream;

/**
 * An HDF5 datatype that {@link Hdf5Writer} can write: little-endian signed/unsigned integers of 8/16/32/64 bits,
 * IEEE float16/32/64, fixed-length strings, variable-length UTF-8 strings and variable-length sequences of a numeric
 * type (SHD's ragged spike rows). Nothing else (no compounds, enums, arrays, references, big-endian types).
 *
 * <p>Java data accepted for each type (see {@link Hdf5Writer.Group#dataset}): integer types take {@code byte[]},
 * {@code short[]}, {@code int[]} or {@code long[]} (values are read as signed Java values and range-checked against
 * the type); float types take {@code float[]} or {@code double[]} (float16 rounds to nearest-even; a finite value
 * that overflows the type is rejected); string types take {@code String[]} (or one {@code String} for a scalar);
 * a vlen sequence takes {@code Object[]} of rows, each row an array its base type accepts.
 *
 * <pre>{@code
 * Hdf5Type times = Hdf5Type.vlen(Hdf5Type.FLOAT16);   // H5T_VLEN { 16-bit little-endian float }
 * Hdf5Type name = Hdf5Type.VLEN_STRING;               // H5T_STRING { STRSIZE H5T_VARIABLE; CSET UTF8 }
 * }</pre>
 */
public final class Hdf5Type {
    /** What kind of type this is. */
    public enum Kind { SIGNED, UNSIGNED, FLOAT, FIXED_STRING, VLEN_STRING, VLEN_SEQUENCE }

    public static final Hdf5Type INT8 = new Hdf5Type(Kind.SIGNED, 1, null, "int8");
    public static final Hdf5Type INT16 = new Hdf5Type(Kind.SIGNED, 2, null, "int16");
    public static final Hdf5Type INT32 = new Hdf5Type(Kind.SIGNED, 4, null, "int32");
    public static final Hdf5Type INT64 = new Hdf5Type(Kind.SIGNED, 8, null, "int64");
    public static final Hdf5Type UINT8 = new Hdf5Type(Kind.UNSIGNED, 1, null, "uint8");
    public static final Hdf5Type UINT16 = new Hdf5Type(Kind.UNSIGNED, 2, null, "uint16");
    public static final Hdf5Type UINT32 = new Hdf5Type(Kind.UNSIGNED, 4, null, "uint32");
    public static final Hdf5Type UINT64 = new Hdf5Type(Kind.UNSIGNED, 8, null, "uint64");
    public static final Hdf5Type FLOAT16 = new Hdf5Type(Kind.FLOAT, 2, null, "float16");
    public static final Hdf5Type FLOAT32 = new Hdf5Type(Kind.FLOAT, 4, null, "float32");
    public static final Hdf5Type FLOAT64 = new Hdf5Type(Kind.FLOAT, 8, null, "float64");
    /** Variable-length, null-terminated UTF-8 string: what h5py's {@code string_dtype()} (and so nir, SHD) writes. */
    public static final Hdf5Type VLEN_STRING = new Hdf5Type(Kind.VLEN_STRING, Hdf5Writer.VLEN_ELEMENT_SIZE, null,
            "vlen utf-8 string");

    private final Kind kind;
    private final int size;
    private final Hdf5Type base;
    private final String name;

    private Hdf5Type(Kind kind, int size, Hdf5Type base, String name) {
        this.kind = kind;
        this.size = size;
        this.base = base;
        this.name = name;
    }

    /**
     * A fixed-length, null-terminated UTF-8 string of {@code size} bytes (h5py shows it as {@code |S<size>}).
     *
     * @throws IllegalArgumentException unless {@code 1 <= size <= 65535}
     */
    public static Hdf5Type fixedString(int size) {
        if (size < 1 || size > 65535) {
            throw new IllegalArgumentException("fixed string size must be in [1, 65535] bytes, got " + size);
        }
        return new Hdf5Type(Kind.FIXED_STRING, size, null, "fixed utf-8 string[" + size + "]");
    }

    /**
     * A variable-length sequence of a numeric {@code base} type ({@code H5T_VLEN}), stored in global heap collections.
     *
     * @throws IllegalArgumentException if {@code base} is not an integer or float type
     */
    public static Hdf5Type vlen(Hdf5Type base) {
        if (!base.isNumeric()) {
            throw new IllegalArgumentException("vlen sequences need a numeric base type, got " + base);
        }
        return new Hdf5Type(Kind.VLEN_SEQUENCE, Hdf5Writer.VLEN_ELEMENT_SIZE, base, "vlen " + base.name);
    }

    /** The kind of type. */
    public Kind kind() {
        return kind;
    }

    /** Bytes per element as stored in the dataset (16 for vlen types: length + global heap id). */
    public int size() {
        return size;
    }

    /** The element type of a vlen sequence, else {@code null}. */
    public Hdf5Type base() {
        return base;
    }

    /** True for integer and float types. */
    public boolean isNumeric() {
        return kind == Kind.SIGNED || kind == Kind.UNSIGNED || kind == Kind.FLOAT;
    }

    /** True for types whose data lives in the global heap. */
    public boolean isVariableLength() {
        return kind == Kind.VLEN_STRING || kind == Kind.VLEN_SEQUENCE;
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * The datatype message body (HDF5 format spec, section IV.A.2.d "Datatype Message", version 1 encoding).
     * Byte 0 is class (low nibble) and version (high nibble); bytes 1-3 are class bit fields; bytes 4-7 the size.
     */
    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (kind) {
            case SIGNED, UNSIGNED -> {
                // class 0 fixed-point; bit field bit 0 = byte order (0 little-endian), bit 3 = signed
                header(out, 0, kind == Kind.SIGNED ? 0x08 : 0x00, 0, size);
                u16(out, 0);            // bit offset
                u16(out, size * 8);     // bit precision
            }
            case FLOAT -> {
                // class 1; bit fields: byte 0 bits 4-5 = 2 (mantissa normalisation "implied 1"), byte 1 = sign bit
                int sign = size * 8 - 1;
                header(out, 1, 0x20, sign, size);
                u16(out, 0);
                u16(out, size * 8);
                int expBits = size == 2 ? 5 : size == 4 ? 8 : 11;
                int mantBits = sign - expBits;
                out.write(mantBits);            // exponent location
                out.write(expBits);             // exponent size
                out.write(0);                   // mantissa location
                out.write(mantBits);            // mantissa size
                u32(out, (1 << (expBits - 1)) - 1); // exponent bias: 15, 127, 1023
            }
            case FIXED_STRING ->
                // class 3; bits 0-3 padding (0 = null terminate), bits 4-7 character set (1 = UTF-8)
                header(out, 3, 0x10, 0, size);
            case VLEN_STRING -> {
                // class 9; bits 0-1 type (1 = string), 2-3 padding (0 = null terminate), bits 8-11 charset (1 = UTF-8).
                // The base type is an unsigned 8-bit integer, exactly what HDF5 1.10 (h5py) writes for str.
                header(out, 9, 0x01, 0x01, size);
                out.writeBytes(UINT8.encode());
            }
            case VLEN_SEQUENCE -> {
                header(out, 9, 0x00, 0x00, size); // type 0 = sequence
                out.writeBytes(base.encode());
            }
            default -> throw new AssertionError(kind);
        }
        return out.toByteArray();
    }

    private static void header(ByteArrayOutputStream out, int cls, int bits0, int bits1, int size) {
        out.write(0x10 | cls); // version 1
        out.write(bits0);
        out.write(bits1);
        out.write(0);
        u32(out, size);
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        u16(out, v);
        u16(out, v >>> 16);
    }
}
