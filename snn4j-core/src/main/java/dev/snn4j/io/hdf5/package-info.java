/**
 * A small HDF5 writer ({@link dev.snn4j.io.hdf5.Hdf5Writer}) for what snn4j's file formats need and jHDF cannot
 * write: variable-length UTF-8 strings (NIR) and variable-length numeric rows (SHD spike times and units), besides
 * groups, numeric/fixed-string datasets of any shape and simple attributes. Reading stays with jHDF
 * ({@link dev.snn4j.data.Hdf5}); files written here are checked with jHDF, {@code h5dump} (the HDF5 C library) and
 * h5py.
 *
 * <pre>{@code
 * Hdf5Writer w = Hdf5Writer.create();
 * w.root().group("spikes").dataset("units", Hdf5Type.vlen(Hdf5Type.UINT16), new long[] {2},
 *         new Object[] {new int[] {3, 699}, new int[0]});
 * w.write(Path.of("rows.h5"));
 * }</pre>
 */
package dev.snn4j.io.hdf5;
