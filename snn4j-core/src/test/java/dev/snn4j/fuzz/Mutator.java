package dev.snn4j.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A seeded file mutator: each call applies one to three of the operations below to a copy of a valid seed file, so
 * the same seed and {@link Random} state always give the same input (a failing input is reproduced from the seed
 * index and the input number printed by {@link FuzzHarness}).
 *
 * <ul>
 *   <li>bit flips (1 to 8 bits);</li>
 *   <li>byte overwrites with boundary values ({@code 00, 01, 7F, 80, FF});</li>
 *   <li>16/32/64-bit overwrites with big values ({@code 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, Long.MAX_VALUE}, the
 *       file length, ...), little- or big-endian;</li>
 *   <li>truncation at a random point, extension with random junk;</li>
 *   <li>duplication or deletion of a random chunk;</li>
 *   <li>header-targeted edits: the same boundary values written at the offsets the caller names as header fields
 *       (sizes, dimensions, offsets), or, for text formats, numbers in the text replaced by boundary numbers and
 *       structural characters deleted or doubled.</li>
 * </ul>
 * Positions are biased towards the start of the file (where headers and metadata live) half of the time.
 */
final class Mutator {
    private static final long[] BIG = {0, 1, 2, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x4000, 0x10000, 0xFFFFFF, 0x7FFFFFFFL,
            0x80000000L, 0xFFFFFFFFL,
            0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 40};
    private static final String[] NUMBERS = {"0", "-1", "1", "2147483647", "2147483648", "-2147483648",
            "9223372036854775807", "18446744073709551616", "1e309", "-1e309", "NaN", "0.5", "1e-320", "65536",
            "99999999999999999999999999"};
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    private final Random rnd;
    private final int[] headerOffsets;
    private final boolean text;

    /**
     * @param headerOffsets byte offsets of header fields worth targeting (may be empty)
     * @param text          whether the format is text (JSON, UTF-8): adds number and structure edits
     */
    Mutator(Random rnd, int[] headerOffsets, boolean text) {
        this.rnd = rnd;
        this.headerOffsets = headerOffsets == null ? new int[0] : headerOffsets.clone();
        this.text = text;
    }

    /** A mutated copy of {@code seed}; never identical to it unless every edit happened to be a no-op. */
    byte[] mutate(byte[] seed) {
        byte[] b = seed.clone();
        int ops = 1 + (rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0);
        for (int i = 0; i < ops; i++) {
            b = once(b);
        }
        return b;
    }

    private byte[] once(byte[] b) {
        int choice = rnd.nextInt(text ? 11 : 9);
        if (b.length == 0 && choice != 5) {
            choice = 5; // only extension makes sense for an empty file
        }
        return switch (choice) {
            case 0 -> bitFlips(b);
            case 1 -> boundaryByte(b, pos(b));
            case 2, 3 -> bigInt(b, pos(b));
            case 4 -> Arrays.copyOf(b, rnd.nextInt(b.length)); // truncation
            case 5 -> extend(b);
            case 6 -> duplicateChunk(b);
            case 7 -> deleteChunk(b);
            case 8 -> headerOffsets.length > 0 ? targeted(b) : bigInt(b, headPos(b));
            case 9 -> replaceNumber(b);
            default -> structure(b);
        };
    }

    /** Half the time in the first 512 bytes (headers, HDF5 object headers), else anywhere. */
    private int pos(byte[] b) {
        return rnd.nextBoolean() ? headPos(b) : rnd.nextInt(b.length);
    }

    private int headPos(byte[] b) {
        return rnd.nextInt(Math.min(b.length, 512));
    }

    private byte[] bitFlips(byte[] b) {
        int n = 1 + rnd.nextInt(8);
        for (int i = 0; i < n; i++) {
            int p = pos(b);
            b[p] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
    }

    private byte[] boundaryByte(byte[] b, int p) {
        int[] values = {0x00, 0x01, 0x7F, 0x80, 0xFF};
        b[p] = (byte) values[rnd.nextInt(values.length)];
        return b;
    }

    private byte[] bigInt(byte[] b, int p) {
        long v = rnd.nextInt(8) == 0 ? b.length + rnd.nextInt(3) - 1 : BIG[rnd.nextInt(BIG.length)];
        int width = new int[] {2, 4, 4, 8}[rnd.nextInt(4)];
        boolean little = rnd.nextBoolean();
        for (int i = 0; i < width && p + i < b.length; i++) {
            int shift = 8 * (little ? i : width - 1 - i);
            b[p + i] = (byte) (v >>> shift);
        }
        return b;
    }

    private byte[] targeted(byte[] b) {
        int p = headerOffsets[rnd.nextInt(headerOffsets.length)];
        if (p >= b.length) {
            return bigInt(b, headPos(b));
        }
        return rnd.nextInt(3) == 0 ? boundaryByte(b, p) : bigInt(b, p);
    }

    private byte[] extend(byte[] b) {
        int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 4096);
        byte[] junk = new byte[n];
        rnd.nextBytes(junk);
        byte[] out = Arrays.copyOf(b, b.length + n);
        System.arraycopy(junk, 0, out, b.length, n);
        return out;
    }

    private byte[] duplicateChunk(byte[] b) {
        int from = rnd.nextInt(b.length);
        int len = 1 + rnd.nextInt(Math.min(b.length - from, 1024));
        int at = rnd.nextInt(b.length + 1);
        byte[] out = new byte[b.length + len];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, from, out, at, len);
        System.arraycopy(b, at, out, at + len, b.length - at);
        return out;
    }

    private byte[] deleteChunk(byte[] b) {
        int from = rnd.nextInt(b.length);
        int len = 1 + rnd.nextInt(Math.min(b.length - from, 1024));
        byte[] out = new byte[b.length - len];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, from + len, out, from, b.length - from - len);
        return out;
    }

    /** Text formats: one number (a size, shape entry, offset, version ...) becomes a boundary number. */
    private byte[] replaceNumber(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1); // byte-preserving
        List<int[]> spans = new ArrayList<>();
        Matcher m = NUMBER.matcher(s);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return bitFlips(b);
        }
        int[] span = spans.get(rnd.nextInt(spans.size()));
        String repl = NUMBERS[rnd.nextInt(NUMBERS.length)];
        return (s.substring(0, span[0]) + repl + s.substring(span[1])).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Text formats: delete, double or swap one structural character ({@code {}[]":,}). */
    private byte[] structure(byte[] b) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if ("{}[]\":,".indexOf(b[i]) >= 0) {
                at.add(i);
            }
        }
        if (at.isEmpty()) {
            return bitFlips(b);
        }
        int p = at.get(rnd.nextInt(at.size()));
        String s = new String(b, StandardCharsets.ISO_8859_1);
        String out = switch (rnd.nextInt(3)) {
            case 0 -> s.substring(0, p) + s.substring(p + 1);
            case 1 -> s.substring(0, p) + s.charAt(p) + s.substring(p);
            default -> s.substring(0, p) + "[]{}\":,".charAt(rnd.nextInt(7)) + s.substring(p + 1);
        };
        return out.getBytes(StandardCharsets.ISO_8859_1);
    }
}
