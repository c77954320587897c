package dev.snn4j.io.hdf5;

/**
 * Bad input given to {@link Hdf5Writer}: an invalid name, a data array that does not match the declared type or
 * shape, a value out of the datatype's range, a ragged-length mismatch or an absurd size. {@link #path()} names the
 * HDF5 object (e.g. {@code /spikes/times}) the input was meant for.
 *
 * <pre>{@code
 * try {
 *     root.dataset("labels", Hdf5Type.UINT8, new long[] {2}, new long[] {1, 300});
 * } catch (Hdf5WriteException e) {
 *     System.err.println(e.getMessage()); // "/labels: value 300 at index 1 does not fit uint8 [0, 255]"
 * }
 * }</pre>
 */
public class Hdf5WriteException extends IllegalArgumentException {
    private final String path;

    /** @param path the HDF5 path the bad input was for; {@code message} says what was expected */
    public Hdf5WriteException(String path, String message) {
        super(path + ": " + message);
        this.path = path;
    }

    /** The HDF5 path of the object whose input was rejected. */
    public String path() {
        return path;
    }
}
