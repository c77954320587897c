/**
 * NIR (Neuromorphic Intermediate Representation, github.com/neuromorphs/NIR) graphs: an in-memory model
 * ({@link dev.snn4j.io.nir.NirGraph}, {@link dev.snn4j.io.nir.NirNode}, {@link dev.snn4j.io.nir.NirValue}), the
 * HDF5 file format of {@code nir.write} / {@code nir.read} 1.0 ({@link dev.snn4j.io.nir.NirReader},
 * {@link dev.snn4j.io.nir.NirWriter}; read via jHDF, written with {@link dev.snn4j.io.hdf5.Hdf5Writer}), and conversion of snn4j module chains to and from graphs
 * ({@link dev.snn4j.io.nir.NirConverter}), including learned per-synapse delays ({@link dev.snn4j.layer.Dcls1d}) as
 * Linear + Delay branches.
 *
 * <p>Units: files hold whatever the exporter wrote; every real export seen (Norse, Rockpool, Sinabs, snnTorch, nir's
 * own examples) uses seconds for tau and delays, although NIR's documentation says ms. The reader never converts;
 * the converter takes {@code dt} in the file's unit (snn4j writes seconds and records {@code dt} as graph metadata).
 *
 * <p>Format fidelity, checked against reference files written by {@code nir} v1.0.7 and main: the reader returns
 * exactly the stored groups, datasets, dtypes, shapes and values; the writer reproduces the reference layout (names,
 * dtypes including variable-length UTF-8 strings, shapes, no attributes; {@code h5dump -H} identical) except that
 * datasets are uncompressed and the superblock is version 2. See {@link
 * dev.snn4j.io.nir.NirWriter}.
 *
 * <pre>{@code
 * NirGraph g = NirReader.read(Path.of("model.nir"));
 * Sequential net = NirConverter.toModule(g, 1e-3, manager, DataType.FLOAT32);
 * NirWriter.write(Path.of("again.nir"), NirConverter.export(net, new long[] {700}, 1e-3));
 * }</pre>
 */
package dev.snn4j.io.nir;
