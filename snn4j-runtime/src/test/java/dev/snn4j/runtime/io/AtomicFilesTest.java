package dev.snn4j.runtime.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesContentAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("a.json");
        AtomicFiles.write(f, "one".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(f, "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void failedWriteKeepsTheOldFile() throws IOException {
        Path f = dir.resolve("b.bin");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @org.junit.jupiter.api.Test
    void writtenFilesAreReadableByOthersOnPosixFileSystems(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path f = dir.resolve("report.html");
        AtomicFiles.write(f, new byte[] {1, 2, 3});
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.getFileStore(f)
                .supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class));
        org.junit.jupiter.api.Assertions.assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions
                .toString(java.nio.file.Files.getPosixFilePermissions(f)));
    }
}
