/**
 * Data sets and audio front end: SHD/SSC HDF5 spike files ({@link dev.snn4j.data.ShdDataset},
 * {@link dev.snn4j.data.ShdWriter}, {@link dev.snn4j.data.SpikeBinning}), WAV audio ({@link dev.snn4j.data.WavReader}),
 * resampling, STFT / mel spectrograms and spike encoders ({@link dev.snn4j.data.MelSpectrogram},
 * {@link dev.snn4j.data.AudioSpikeEncoder}), folder conversion ({@link dev.snn4j.data.AudioFolderConverter}) and
 * N-MNIST events ({@link dev.snn4j.data.NmnistEvents}).
 *
 * <p>Readers return plain Java arrays and small records; helpers turn them into time-major NDArrays
 * ({@code [T, B, C]} or {@code [T, B, 2, 34, 34]}). Malformed input raises {@link dev.snn4j.data.DataFormatException}
 * naming the file, the field and what was expected.
 */
package dev.snn4j.data;
