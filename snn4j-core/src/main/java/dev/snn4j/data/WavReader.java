package dev.snn4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads RIFF/WAVE files into mono float samples.
 *
 * <p>Supported: format 1 (PCM) with 8-bit unsigned, 16-, 24- or 32-bit signed integers; format 3 (IEEE float) 32 or
 * 64 bit; format 0xFFFE (WAVE_FORMAT_EXTENSIBLE) whose sub-format GUID is PCM or IEEE float. Any sample rate. Multi
 * channel files yield their first channel. Integers are scaled to {@code [-1, 1)} (PCM16: {@code s / 32768}, PCM8:
 * {@code (u - 128) / 128}); float samples are returned unchanged (they may exceed 1 if the file does). Unknown chunks
 * ({@code LIST}, {@code fact}, ...) are skipped, honouring the RIFF pad byte after odd-sized chunks.
 *
 * <p>Everything else throws {@link DataFormatException} naming the file and the chunk: not RIFF, not WAVE, missing
 * {@code fmt }/{@code data} chunk, unsupported format code (ADPCM, A-law, ...), a data chunk declared larger than the
 * file (truncated), or sizes that are inconsistent or too large to hold, checked before any allocation.
 *
 * <pre>{@code
 * Audio a = WavReader.read(Path.of("recordings/3_theo_12.wav"));
 * System.out.println(a.sampleRate() + " Hz, " + a.samples().length + " samples");
 * }</pre>
 */
public final class WavReader {
    /** Largest sample count accepted (about 2^31 - 9, the largest Java float[]). */
    public static final long MAX_SAMPLES = Integer.MAX_VALUE - 8L;

    static final int FORMAT_PCM = 1;
    static final int FORMAT_FLOAT = 3;
    static final int FORMAT_EXTENSIBLE = 0xFFFE;

    private WavReader() {
    }

    /** Reads {@code file} (first channel if multi-channel). */
    public static Audio read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            ByteBuffer head = readAt(ch, 0, 12, fileSize, file, "RIFF header");
            if (head == null || !fourcc(head, 0).equals("RIFF")) {
                throw new DataFormatException(file, "RIFF header", "not a RIFF file (expected 'RIFF' at offset 0, got "
                        + (head == null ? "a file of " + fileSize + " bytes" : "'" + printable(head, 0) + "'") + ")");
            }
            if (!fourcc(head, 8).equals("WAVE")) {
                throw new DataFormatException(file, "RIFF header", "not a WAVE file (form type '" + printable(head, 8)
                        + "', expected 'WAVE')");
            }
            Fmt fmt = null;
            long pos = 12;
            while (pos + 8 <= fileSize) {
                ByteBuffer ck = readAt(ch, pos, 8, fileSize, file, "chunk header");
                String id = fourcc(ck, 0);
                long size = Integer.toUnsignedLong(ck.getInt(4));
                long body = pos + 8;
                if (id.equals("fmt ")) {
                    if (size < 16 || size > 1024) {
                        throw new DataFormatException(file, "fmt chunk", "size " + size
                                + " bytes, expected 16..1024");
                    }
                    ByteBuffer b = readAt(ch, body, (int) size, fileSize, file, "fmt chunk");
                    if (b == null) {
                        throw new DataFormatException(file, "fmt chunk", "declares " + size
                                + " bytes but the file ends after " + (fileSize - body));
                    }
                    fmt = parseFmt(file, b, (int) size);
                } else if (id.equals("data")) {
                    if (fmt == null) {
                        throw new DataFormatException(file, "fmt chunk", "missing (no 'fmt ' chunk before 'data')");
                    }
                    return decode(file, ch, fmt, body, size, fileSize);
                } else if (body + size > fileSize) {
                    throw new DataFormatException(file, "'" + printable(ck, 0) + "' chunk", "at offset " + pos
                            + " declares " + size + " bytes, past the end of the file (" + fileSize + " bytes)"
                            + (fmt == null ? "; no 'fmt ' chunk found before it" : "; no 'data' chunk found before it"));
                }
                pos = body + size + (size & 1);
            }
            if (fmt == null) {
                throw new DataFormatException(file, "fmt chunk", "missing (no 'fmt ' chunk in the file)");
            }
            throw new DataFormatException(file, "data chunk", "missing (no 'data' chunk in the file)");
        }
    }

    private record Fmt(int code, int channels, int sampleRate, int blockAlign, int bits) {
    }

    private static Fmt parseFmt(Path file, ByteBuffer b, int size) throws DataFormatException {
        int code = Short.toUnsignedInt(b.getShort(0));
        int channels = Short.toUnsignedInt(b.getShort(2));
        long rate = Integer.toUnsignedLong(b.getInt(4));
        int blockAlign = Short.toUnsignedInt(b.getShort(12));
        int bits = Short.toUnsignedInt(b.getShort(14));
        int effective = code;
        if (code == FORMAT_EXTENSIBLE) {
            if (size < 40) {
                throw new DataFormatException(file, "fmt chunk", "WAVE_FORMAT_EXTENSIBLE needs a 40-byte fmt chunk, got "
                        + size);
            }
            // sub-format GUID: first two bytes are the format code, the rest is the fixed KSDATAFORMAT suffix
            effective = Short.toUnsignedInt(b.getShort(24));
        }
        if (effective != FORMAT_PCM && effective != FORMAT_FLOAT) {
            throw new DataFormatException(file, "fmt chunk", "unsupported format code 0x"
                    + Integer.toHexString(effective) + " (" + formatName(effective) + ")"
                    + (code == FORMAT_EXTENSIBLE ? " inside WAVE_FORMAT_EXTENSIBLE" : "")
                    + "; supported: PCM (1), IEEE float (3), and both inside EXTENSIBLE (0xfffe)");
        }
        if (channels < 1) {
            throw new DataFormatException(file, "fmt chunk", "channel count 0");
        }
        if (rate < 1 || rate > 10_000_000) {
            throw new DataFormatException(file, "fmt chunk", "sample rate " + rate + " Hz, expected 1..10000000");
        }
        boolean ok = effective == FORMAT_PCM ? bits == 8 || bits == 16 || bits == 24 || bits == 32
                : bits == 32 || bits == 64;
        if (!ok) {
            throw new DataFormatException(file, "fmt chunk", bits + "-bit samples unsupported for "
                    + formatName(effective) + " (PCM: 8/16/24/32, float: 32/64)");
        }
        if (blockAlign != channels * (bits / 8)) {
            throw new DataFormatException(file, "fmt chunk", "block align " + blockAlign + " != channels ("
                    + channels + ") x bytes per sample (" + bits / 8 + ")");
        }
        return new Fmt(effective, channels, (int) rate, blockAlign, bits);
    }

    private static Audio decode(Path file, FileChannel ch, Fmt fmt, long body, long size, long fileSize)
            throws IOException {
        if (body + size > fileSize) {
            throw new DataFormatException(file, "data chunk", "truncated: declares " + size + " bytes but only "
                    + (fileSize - body) + " remain in the file");
        }
        if (size % fmt.blockAlign() != 0) {
            throw new DataFormatException(file, "data chunk", "size " + size + " is not a whole number of "
                    + fmt.blockAlign() + "-byte frames");
        }
        long frames = size / fmt.blockAlign();
        if (frames > MAX_SAMPLES || size > Integer.MAX_VALUE - 8L) {
            throw new DataFormatException(file, "data chunk", frames + " frames (" + size
                    + " bytes) exceed what one Java array can hold");
        }
        ByteBuffer d = readAt(ch, body, (int) size, fileSize, file, "data chunk");
        float[] out = new float[(int) frames];
        int bytes = fmt.bits() / 8;
        for (int i = 0; i < out.length; i++) {
            int p = i * fmt.blockAlign(); // first channel
            out[i] = switch (fmt.code() == FORMAT_FLOAT ? -bytes : bytes) {
                case 1 -> ((d.get(p) & 0xff) - 128) / 128f;
                case 2 -> d.getShort(p) / 32768f;
                case 3 -> (((d.get(p) & 0xff) | (d.get(p + 1) & 0xff) << 8 | d.get(p + 2) << 16)) / 8388608f;
                case 4 -> (float) (d.getInt(p) / 2147483648.0);
                case -4 -> d.getFloat(p);
                case -8 -> (float) d.getDouble(p);
                default -> throw new IllegalStateException("unreachable");
            };
        }
        return new Audio(out, fmt.sampleRate());
    }

    /** Reads {@code n} bytes at {@code pos}, or {@code null} if the file is too short. */
    private static ByteBuffer readAt(FileChannel ch, long pos, int n, long fileSize, Path file, String what)
            throws IOException {
        if (pos + n > fileSize) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new DataFormatException(file, what, "unexpected end of file");
            }
        }
        return b.flip();
    }

    private static String fourcc(ByteBuffer b, int at) {
        StringBuilder s = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            s.append((char) (b.get(at + i) & 0xff));
        }
        return s.toString();
    }

    private static String printable(ByteBuffer b, int at) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int c = b.get(at + i) & 0xff;
            s.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.toString();
    }

    /** Human name of a WAVE format code (for error messages). */
    static String formatName(int code) {
        return switch (code) {
            case 0x0001 -> "PCM";
            case 0x0002 -> "Microsoft ADPCM";
            case 0x0003 -> "IEEE float";
            case 0x0006 -> "A-law";
            case 0x0007 -> "mu-law";
            case 0x0011 -> "IMA ADPCM";
            case 0x0031 -> "GSM 6.10";
            case 0x0050 -> "MPEG";
            case 0x0055 -> "MPEG Layer 3";
            case 0xFFFE -> "WAVE_FORMAT_EXTENSIBLE";
            default -> "unknown format";
        };
    }
}
