package dev.snn4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Converts a folder of WAV recordings into one spike file in the exact SHD layout written by {@link ShdWriter}: each
 * file is read ({@link WavReader}), resampled to the front end's rate ({@link Resampler}), turned into a log-mel
 * spectrogram ({@link MelSpectrogram}) and encoded into spikes ({@link AudioSpikeEncoder}). Labels and speakers come
 * from Free Spoken Digit Dataset names {@code {digit}_{speaker}_{index}.wav}; speakers get ids in alphabetical order,
 * keys are {@code "zero".."nine"}. Samples are in file-name order.
 *
 * <p>Nothing is skipped silently: every entry of the folder that is not converted (a sub-folder, a file not ending in
 * {@code .wav}, a name not matching the pattern, an unreadable or malformed WAV) appears in
 * {@link Result#failures()} with the reason; the caller decides whether that is fatal. If no file converts, no output
 * is written ({@link Result#written()} is false).
 *
 * <pre>{@code
 * AudioFolderConverter.Result r = AudioFolderConverter.defaults()
 *         .convert(Path.of("fsdd/recordings"), Path.of("fsdd_spikes.h5"));
 * System.out.println(r.converted() + " converted, " + r.failures().size() + " failed");
 * r.failures().forEach(f -> System.out.println(f.file() + ": " + f.reason()));
 * }</pre>
 *
 * @param spectrogram front end (its sample rate is the target rate)
 * @param encoder     spike encoder
 */
public record AudioFolderConverter(MelSpectrogram spectrogram, AudioSpikeEncoder encoder) {
    /** FSDD file names: digit, speaker, index. */
    public static final Pattern FSDD_NAME = Pattern.compile("([0-9])_([A-Za-z0-9-]+)_([0-9]+)\\.wav");

    /** Class names for FSDD labels 0..9. */
    public static final List<String> DIGIT_KEYS = List.of("zero", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine");

    /** One input that was not converted. */
    public record Failure(Path file, String reason) {
    }

    /**
     * Outcome of a conversion.
     *
     * @param output      the HDF5 file (written only if {@code written})
     * @param written     whether the output file was written
     * @param converted   files converted, in sample order
     * @param failures    every folder entry not converted, with the reason
     * @param numChannels spike channels in the output
     * @param totalSpikes spikes over all samples
     * @param speakers    speaker names indexed by the ids stored in {@code /extra/speaker}
     */
    public record Result(Path output, boolean written, List<Path> converted, List<Failure> failures, int numChannels,
                         long totalSpikes, List<String> speakers) {
        /** Number of converted files. */
        public int convertedCount() {
            return converted.size();
        }

        /** True if every entry converted. */
        public boolean ok() {
            return failures.isEmpty() && written;
        }
    }

    /** GSC front end (8 kHz, n_fft 256, hop 80, 140 mel, dB) and a send-on-delta encoder (floor -40 dB, 3 dB steps). */
    public static AudioFolderConverter defaults() {
        return new AudioFolderConverter(MelSpectrogram.gsc(), AudioSpikeEncoder.delta(-40, 3, false));
    }

    /** Label of an FSDD file name, or -1 if it does not match {@code {digit}_{speaker}_{index}.wav}. */
    public static int fsddLabel(String fileName) {
        Matcher m = FSDD_NAME.matcher(fileName);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Encodes one clip (resampled if needed) into a spike sample. */
    public ShdDataset.Sample encode(Audio audio, int label) {
        Audio a = Resampler.resample(audio, spectrogram.sampleRate());
        return encoder.encode(spectrogram.logMel(a), spectrogram.frameSeconds(), label);
    }

    /**
     * Converts every {@code .wav} directly inside {@code inDir} and writes {@code outH5}.
     *
     * @throws IOException only if the folder cannot be listed or the output cannot be written; per-file problems
     *                     are reported in the result
     */
    public Result convert(Path inDir, Path outH5) throws IOException {
        return convert(inDir, outH5, (done, total) -> { });
    }

    /**
     * As {@link #convert(Path, Path)}, calling {@code progress.accept(entriesDone, entriesTotal)} after each folder
     * entry (for progress bars of long conversions).
     */
    public Result convert(Path inDir, Path outH5, java.util.function.BiConsumer<Integer, Integer> progress)
            throws IOException {
        return convert(inDir, outH5, ShdWriter.Options.defaults(), progress);
    }

    /**
     * As {@link #convert(Path, Path, java.util.function.BiConsumer)}, writing with {@code options} (e.g. float32
     * spike times instead of SHD's float16).
     */
    public Result convert(Path inDir, Path outH5, ShdWriter.Options options,
                          java.util.function.BiConsumer<Integer, Integer> progress) throws IOException {
        if (!Files.isDirectory(inDir)) {
            throw new java.io.FileNotFoundException(inDir + " (not a directory)");
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(inDir)) {
            entries = s.sorted().toList();
        }
        List<Failure> failures = new ArrayList<>();
        List<Path> converted = new ArrayList<>();
        List<ShdDataset.Sample> samples = new ArrayList<>();
        List<String> speakerNames = new ArrayList<>();
        int done = 0;
        for (Path p : entries) {
            progress.accept(done++, entries.size());
            String name = p.getFileName().toString();
            if (!Files.isRegularFile(p)) {
                failures.add(new Failure(p, "not a regular file (sub-folders are not searched)"));
                continue;
            }
            if (!name.toLowerCase(java.util.Locale.ROOT).endsWith(".wav")) {
                failures.add(new Failure(p, "not a .wav file"));
                continue;
            }
            Matcher m = FSDD_NAME.matcher(name);
            if (!m.matches()) {
                failures.add(new Failure(p, "name does not match {digit}_{speaker}_{index}.wav, so no label"));
                continue;
            }
            try {
                Audio audio = WavReader.read(p);
                samples.add(encode(audio, Integer.parseInt(m.group(1))));
                speakerNames.add(m.group(2));
                converted.add(p);
            } catch (IOException e) {
                failures.add(new Failure(p, e.getMessage()));
            } catch (RuntimeException e) {
                failures.add(new Failure(p, "could not be encoded: " + e));
            }
        }
        progress.accept(entries.size(), entries.size());
        int channels = encoder.numChannels(spectrogram.bank().numMels());
        long total = samples.stream().mapToLong(ShdDataset.Sample::size).sum();
        if (samples.isEmpty()) {
            return new Result(outH5, false, List.copyOf(converted), List.copyOf(failures), channels, 0, List.of());
        }
        Map<String, Integer> ids = new TreeMap<>();
        speakerNames.forEach(s -> ids.putIfAbsent(s, 0));
        int next = 0;
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            e.setValue(next++);
        }
        int[] speakers = speakerNames.stream().mapToInt(ids::get).toArray();
        ShdWriter.write(outH5, ShdDataset.of(samples, channels, speakers, DIGIT_KEYS), options);
        return new Result(outH5, true, List.copyOf(converted), List.copyOf(failures), channels, total,
                List.copyOf(ids.keySet()));
    }
}
