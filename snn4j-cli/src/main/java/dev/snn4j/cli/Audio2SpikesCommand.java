package dev.snn4j.cli;

import dev.snn4j.data.AudioFolderConverter;
import dev.snn4j.data.AudioSpikeEncoder;
import dev.snn4j.data.MelSpectrogram;
import dev.snn4j.data.ShdWriter;
import dev.snn4j.io.hdf5.Hdf5Type;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.snn4j.cli.TrainCommand.require;

/**
 * {@code snn4j data audio2spikes IN_DIR OUT.h5}: WAV folder -> spike file in the exact SHD layout (vlen
 * {@code spikes/times} float16, {@code spikes/units} uint16, {@code labels}, {@code extra/}; readable by
 * {@link dev.snn4j.data.ShdDataset}, h5py and SHD loaders such as tonic's), through {@link AudioFolderConverter}: resampling, log-mel filterbank and a
 * send-on-delta (default) or LIF spike encoder per band. Labels come from Free Spoken Digit Dataset names
 * ({@code {digit}_{speaker}_{index}.wav}). Every file that is not converted is listed with its reason; the exit code is
 * 1 if any was skipped (unless {@code --allow-failures}) or if nothing converted.
 *
 * <pre>{@code
 * ./snn4j data audio2spikes ../shared/data/fsdd/recordings runs/fsdd_spikes.h5 --encoder lif
 * }</pre>
 */
@Command(name = "audio2spikes", mixinStandardHelpOptions = true,
        description = {"Convert a folder of WAV recordings ({digit}_{speaker}_{index}.wav) into an HDF5 spike file in the "
                + "exact SHD layout.", "Front end: resample, log-mel spectrogram (dB), per-band spike encoder."})
public final class Audio2SpikesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN_DIR", description = "Folder of .wav files (not searched recursively).")
    Path inDir;

    @Parameters(index = "1", paramLabel = "OUT.h5", description = "Output HDF5 file (written atomically).")
    Path out;

    @Option(names = "--sample-rate", defaultValue = "8000", description = "Front-end rate in Hz (default ${DEFAULT-VALUE}).")
    int sampleRate;

    @Option(names = "--n-fft", defaultValue = "256", description = "FFT size, a power of two (default ${DEFAULT-VALUE}).")
    int nFft;

    @Option(names = "--hop", defaultValue = "80", description = "Hop in samples (default ${DEFAULT-VALUE}: 10 ms at 8 kHz).")
    int hop;

    @Option(names = "--mels", defaultValue = "140", description = "Mel bands (default ${DEFAULT-VALUE}).")
    int mels;

    @Option(names = "--encoder", defaultValue = "delta",
            description = "delta (send-on-delta level crossings) or lif (LIF on band level) (default ${DEFAULT-VALUE}).")
    String encoder;

    @Option(names = "--floor-db", defaultValue = "-40", description = "Level treated as silence, dB (default ${DEFAULT-VALUE}).")
    double floorDb;

    @Option(names = "--delta-db", defaultValue = "3", description = "delta: step in dB (default ${DEFAULT-VALUE}).")
    double deltaDb;

    @Option(names = "--off-channels", description = "delta: also emit OFF spikes (doubles the channels).")
    boolean offChannels;

    @Option(names = "--tau", defaultValue = "0.02", description = "lif: membrane time constant, s (default ${DEFAULT-VALUE}).")
    double tau;

    @Option(names = "--gain", defaultValue = "0.5", description = "lif: input per dB above the floor (default ${DEFAULT-VALUE}).")
    double gain;

    @Option(names = "--times-dtype", defaultValue = "float16",
            description = "dtype of /spikes/times: float16 (as the real SHD files; rounds times to 11 significant bits,"
                    + " <= 0.49 ms below 2 s), float32 or float64 (default ${DEFAULT-VALUE}).")
    String timesDtype;

    @Option(names = "--allow-failures", description = "Exit 0 even if some files were skipped (they are still listed).")
    boolean allowFailures;

    @Override
    public void run() {
        CommandLine cl = spec.commandLine();
        require(cl, sampleRate >= 1000, "--sample-rate", "must be >= 1000 Hz", sampleRate);
        require(cl, nFft >= 16 && Integer.bitCount(nFft) == 1, "--n-fft", "must be a power of two >= 16", nFft);
        require(cl, hop >= 1 && hop <= nFft, "--hop", "must be in [1, --n-fft]", hop);
        require(cl, mels >= 1 && mels <= 1024, "--mels", "must be in [1, 1024]", mels);
        require(cl, encoder.equals("delta") || encoder.equals("lif"), "--encoder", "must be 'delta' or 'lif'", encoder);
        require(cl, Double.isFinite(floorDb), "--floor-db", "must be finite", floorDb);
        require(cl, deltaDb > 0 && Double.isFinite(deltaDb), "--delta-db", "must be > 0", deltaDb);
        require(cl, tau > 0 && Double.isFinite(tau), "--tau", "must be > 0", tau);
        require(cl, gain > 0 && Double.isFinite(gain), "--gain", "must be > 0", gain);
        require(cl, List.of("float16", "float32", "float64").contains(timesDtype), "--times-dtype",
                "must be float16, float32 or float64", timesDtype);
        Hdf5Type timeType = switch (timesDtype) {
            case "float32" -> Hdf5Type.FLOAT32;
            case "float64" -> Hdf5Type.FLOAT64;
            default -> Hdf5Type.FLOAT16;
        };
        if (!Files.isDirectory(inDir)) {
            throw new IllegalStateException("input folder not found: " + inDir);
        }
        AudioSpikeEncoder enc = encoder.equals("lif") ? AudioSpikeEncoder.lif(floorDb, tau, gain)
                : AudioSpikeEncoder.delta(floorDb, deltaDb, offChannels);
        AudioFolderConverter conv = new AudioFolderConverter(MelSpectrogram.of(sampleRate, nFft, hop, mels), enc);
        PrintWriter w = cl.getOut();
        PrintWriter err = cl.getErr();
        long t0 = System.nanoTime();
        AudioFolderConverter.Result r;
        try {
            r = conv.convert(inDir, out, ShdWriter.Options.defaults().timeType(timeType), (done, total) -> {
                if (done % 50 == 0 || done.equals(total)) {
                    err.printf("\rconverting %s: %d / %d files", inDir.getFileName(), done, total);
                    if (done.equals(total)) {
                        err.println();
                    }
                    err.flush();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        r.failures().forEach(f -> err.println("skipped " + f.file() + ": " + f.reason()));
        if (!r.written()) {
            throw new IllegalStateException("no file of " + inDir + " converted (" + r.failures().size()
                    + " skipped); nothing written");
        }
        w.printf("wrote %s: %d samples, %d channels, %d spikes (%.1f per sample), %d speakers, %d skipped, %.1f s%n",
                r.output(), r.convertedCount(), r.numChannels(), r.totalSpikes(),
                r.totalSpikes() / (double) r.convertedCount(), r.speakers().size(), r.failures().size(),
                (System.nanoTime() - t0) / 1e9);
        w.flush();
        if (!r.failures().isEmpty() && !allowFailures) {
            throw new IllegalStateException(r.failures().size() + " file(s) of " + inDir
                    + " were skipped (listed above); use --allow-failures to accept that");
        }
    }
}
