package dev.snn4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsLogTest {
    @TempDir
    Path tmp;

    @Test
    void anEpochRerunAfterACrashReplacesItsLine() throws IOException {
        Path f = tmp.resolve("run").resolve(MetricsLog.FILE);
        MetricsLog.record(f, "ann", 1, Map.of("train_loss", 1.0));
        MetricsLog.record(f, "ann", 2, Map.of("train_loss", 0.9));
        MetricsLog.record(f, "ann", 2, Map.of("train_loss", 0.8));   // the same epoch again (resumed run)
        MetricsLog.record(f, "snn-T5", 1, Map.of("train_loss", 0.7));
        List<Map<String, Object>> rows = MetricsLog.read(f);
        assertEquals(3, rows.size());
        assertEquals(0.8, rows.get(1).get("train_loss"));
        assertEquals("snn-T5", rows.get(2).get("stage"));
        assertEquals(3, Files.readAllLines(f).size(), "one JSON object per line");
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void aBrokenLineNamesTheFileAndLine() throws IOException {
        Path f = tmp.resolve(MetricsLog.FILE);
        Files.writeString(f, "{\"stage\":\"a\",\"epoch\":1}\n{not json\n");
        IOException e = assertThrows(IOException.class, () -> MetricsLog.read(f));
        assertTrue(e.getMessage().contains(f + ": line 2"), e.getMessage());
        assertTrue(MetricsLog.read(tmp.resolve("absent.jsonl")).isEmpty());
    }
}
