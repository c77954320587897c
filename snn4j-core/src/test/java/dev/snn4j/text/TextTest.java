package dev.snn4j.text;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Corpus normalisation, the character vocabulary, the held-out split and the training windows. */
class TextTest {
    @TempDir
    Path tmp;

    @Test
    void bomAndCrAndCrLfAreNormalised() throws IOException {
        Path f = tmp.resolve("c.txt");
        byte[] body = "one\rtwo\r\nthree\nfour".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[body.length + 3];
        bytes[0] = (byte) 0xEF;
        bytes[1] = (byte) 0xBB;
        bytes[2] = (byte) 0xBF;
        System.arraycopy(body, 0, bytes, 3, body.length);
        Files.write(f, bytes);
        assertEquals("one\ntwo\nthree\nfour", TextCorpus.read(f));
        CharTokenizer tok = CharTokenizer.fromCorpus(TextCorpus.read(f));
        assertTrue(tok.decode(tok.encode("one\r\ntwo")).equals("one\ntwo"));
        for (int cp : tok.codePoints()) {
            assertTrue(cp != '\r' && cp != 0xFEFF, "vocabulary holds " + cp);
        }
    }

    @Test
    void invalidUtf8AndMissingFileAreClearErrors() throws IOException {
        Path f = tmp.resolve("bad.txt");
        Files.write(f, new byte[] {'a', (byte) 0xC3});
        IOException e = assertThrows(IOException.class, () -> TextCorpus.read(f));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TextCorpus.read(tmp.resolve("none.txt")));
        assertTrue(missing.getMessage().contains("none.txt"), missing.getMessage());
    }

    @Test
    void vocabularyIsSortedStableAndRoundTrips() throws IOException {
        CharTokenizer a = CharTokenizer.fromCorpus("banana bread \u00e9t\u00e9 \uD83D\uDE00");
        CharTokenizer b = CharTokenizer.fromCorpus("\uD83D\uDE00 \u00e9t\u00e9 bread banana");
        assertArrayEquals(a.codePoints(), b.codePoints(), "same characters -> same ids, whatever their order");
        int[] cps = a.codePoints();
        for (int i = 1; i < cps.length; i++) {
            assertTrue(cps[i - 1] < cps[i]);
        }
        a.save(tmp);
        CharTokenizer c = CharTokenizer.load(tmp.resolve(CharTokenizer.FILE));
        assertArrayEquals(a.codePoints(), c.codePoints());
        String s = "bread \uD83D\uDE00 \u00e9t\u00e9";
        assertArrayEquals(a.encode(s), c.encode(s));
        assertEquals(s, c.decode(c.encode(s)));
        assertEquals(s.codePointCount(0, s.length()), c.encode(s).length, "one id per code point");
        assertEquals(c, Tokenizer.load(tmp) instanceof CharTokenizer ct && ct.vocabSize() == c.vocabSize() ? c : null);
    }

    @Test
    void unknownCharacterNamesItAndItsPosition() {
        CharTokenizer tok = CharTokenizer.fromCorpus("abc ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode("ab cz"));
        assertTrue(e.getMessage().contains("'z' (U+007A)") && e.getMessage().contains("position 4"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromCorpus(""));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {99}));
    }

    @Test
    void splitHoldsOutTheTailAndRejectsShortCorpora() {
        int[] ids = new int[1000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % 7;
        }
        TokenSplit s = TokenSplit.of(ids, 0.1, 16);
        assertEquals(900, s.trainTokens());
        assertEquals(100, s.heldOutTokens());
        assertEquals(99 / 16, s.heldOutWindows());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenSplit.of(new int[50], 0.1, 16));
        assertTrue(e.getMessage().contains("too short") && e.getMessage().contains("50 tokens"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenSplit.of(new int[0], 0.1, 16));
    }

    @Test
    void windowsAreShiftedByOneAndTimeMajor() {
        int[] ids = new int[200];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        TokenSplit s = TokenSplit.of(ids, 0.25, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            TokenSplit.Batch b = s.randomBatch(m, 4, new Random(1));
            assertEquals(new ai.djl.ndarray.types.Shape(8, 4), b.inputs().getShape());
            long[] in = b.inputs().toLongArray();
            long[] out = b.targets().toLongArray();
            for (int t = 0; t < 8; t++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(in[t * 4 + j] + 1, out[t * 4 + j]);
                    assertTrue(out[t * 4 + j] < 150, "training windows stay in the training part");
                    if (t > 0) {
                        assertEquals(in[(t - 1) * 4 + j] + 1, in[t * 4 + j]);
                    }
                }
            }
            TokenSplit.Batch h = s.heldOutBatch(m, 0, 2);
            assertEquals(150, h.inputs().toLongArray()[0]);
            assertEquals(158, h.inputs().toLongArray()[1], "second window starts one context later");
        }
    }
}
