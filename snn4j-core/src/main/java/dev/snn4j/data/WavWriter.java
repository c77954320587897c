package dev.snn4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes mono 16-bit PCM WAV files (samples clipped to {@code [-1, 1]}, scaled by 32767, rounded).
 *
 * <pre>{@code
 * float[] tone = new float[8000];
 * for (int i = 0; i < tone.length; i++) tone[i] = 0.5f * (float) Math.sin(2 * Math.PI * 440 * i / 8000.0);
 * WavWriter.writePcm16(Path.of("tone.wav"), new Audio(tone, 8000));
 * }</pre>
 */
public final class WavWriter {
    private WavWriter() {
    }

    /** Writes {@code audio} as a canonical 44-byte-header PCM16 mono WAV. */
    public static void writePcm16(Path file, Audio audio) throws IOException {
        float[] s = audio.samples();
        if (2L * s.length > Integer.MAX_VALUE - 44) {
            throw new IllegalArgumentException("too many samples for one WAV file: " + s.length);
        }
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + 2 * s.length)
                .put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(audio.sampleRate()).putInt(2 * audio.sampleRate())
                .putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(2 * s.length);
        for (float v : s) {
            float c = Math.max(-1f, Math.min(1f, v));
            b.putShort((short) Math.round(c * 32767f));
        }
        Files.write(file, b.array());
    }
}
