package dev.snn4j.reliability;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Loading never executes code from a file. Every format snn4j reads is plain data: safetensors (a JSON header and raw
 * little-endian numbers), JSON sidecars and graphs, HDF5 (NIR, SHD), IDX, WAV, images, text. Java serialization
 * ({@code ObjectInputStream.readObject}) instantiates whatever classes the stream names and runs their
 * {@code readObject}/{@code readResolve} methods, so a crafted checkpoint could run arbitrary code through gadget
 * chains in the classpath, the same hazard as Python's pickle behind {@code torch.load}. The same holds for
 * {@code XMLDecoder}, script engines, class loaders defining classes from bytes, {@code Class.forName} on names read
 * from a file, and DJL's model zoo / {@code Criteria} (TorchScript files contain code).
 *
 * <p>This test scans the main sources of every module (comments and string literals stripped) and fails on any use
 * of those APIs, or on a class declaring {@code implements Serializable} (which only exists to be deserialized).
 */
class NoCodeExecutionOnLoadTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\bObjectInputStream\\b|\\breadObject\\s*\\(|\\breadUnshared\\s*\\(|\\breadResolve\\s*\\("
                    + "|\\bXMLDecoder\\b|\\bScriptEngine(Manager)?\\b|\\bURLClassLoader\\b|\\bdefineClass\\s*\\("
                    + "|\\bClass\\.forName\\s*\\(|\\bCriteria\\b|\\bModelZoo\\b|\\bExternalizable\\b"
                    + "|implements\\s+[\\w.,\\s]*\\bSerializable\\b");
    private static final Pattern COMMENTS_AND_STRINGS = Pattern.compile(
            "//[^\\n]*|/\\*.*?\\*/|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])'", Pattern.DOTALL);

    /** The project root: the parent of the module directory surefire runs in (or the current directory). */
    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("snn4j-runtime")) ? here : here.getParent();
    }

    @Test
    void noMainSourceUsesDeserializationOrLoadsCode() throws IOException {
        Path root = root();
        List<Path> modules = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isDirectory(p.resolve("src/main/java"))).forEach(modules::add);
        }
        assumeTrue(modules.size() >= 3, "module sources not found under " + root);
        List<String> hits = new ArrayList<>();
        int files = 0;
        for (Path module : modules) {
            try (Stream<Path> s = Files.walk(module.resolve("src/main/java"))) {
                for (Path f : (Iterable<Path>) s.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    files++;
                    String code = COMMENTS_AND_STRINGS.matcher(Files.readString(f, StandardCharsets.UTF_8))
                            .replaceAll(" ");
                    Matcher m = FORBIDDEN.matcher(code);
                    while (m.find()) {
                        hits.add(root.relativize(f) + ": " + m.group().strip());
                    }
                }
            }
        }
        assertTrue(files > 100, "scanned only " + files + " files");
        assertTrue(hits.isEmpty(), "code-executing load APIs in main sources:\n  " + String.join("\n  ", hits));
    }

    @Test
    void theScannerSeesWhatItLooksFor() {
        String code = "class A implements java.io.Serializable { Object f(java.io.InputStream in) throws Exception {"
                + " return new java.io.ObjectInputStream(in).readObject(); } } // ObjectInputStream in a comment";
        Matcher m = FORBIDDEN.matcher(COMMENTS_AND_STRINGS.matcher(code).replaceAll(" "));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group().strip());
        }
        assertTrue(found.size() == 3, found.toString());
        assertTrue(!FORBIDDEN.matcher(COMMENTS_AND_STRINGS.matcher("// readObject(x)\nString s = \"Class.forName(\";")
                .replaceAll(" ")).find());
    }
}
