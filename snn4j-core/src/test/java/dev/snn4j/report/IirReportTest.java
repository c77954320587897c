package dev.snn4j.report;

import dev.snn4j.recipe.IirSnn;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IirReportTest {
    private static IirSnn.StageResult row(String stage, int t, double djlMs, double runtimeMs) {
        return new IirSnn.StageResult(stage, t, 0.9, djlMs, runtimeMs, Map.of(), 1e6, 1e5, 1.0, 0);
    }

    @Test
    void speedupsCompareTheLongestAndShortestTimedStages() {
        List<IirSnn.StageResult> rows = List.of(row("ann", 1, 1.0, Double.NaN),
                row("converted", 5, Double.NaN, Double.NaN), row("snn-T5", 5, 6.0, 2.5), row("snn-T3", 3, 4.0, 1.5),
                row("snn-T1", 1, 2.0, 0.5));
        assertEquals("T=1 vs T=5: 3.00x faster with DJL, 5.00x on the event-driven runtime", IirReport.speedups(rows));
        String table = IirReport.table(rows);
        assertTrue(table.contains("runtime ms") && table.contains("0.500") && table.contains("5.00x"), table);
    }

    @Test
    void speedupsAreOmittedWithoutTwoTimedStages() {
        assertEquals("", IirReport.speedups(List.of(row("ann", 1, 1.0, Double.NaN), row("snn-T5", 5, 6.0, 2.5))));
        assertEquals("", IirReport.speedups(List.of(row("snn-T5", 5, Double.NaN, Double.NaN),
                row("snn-T1", 1, Double.NaN, Double.NaN))));
        assertEquals("T=1 vs T=5: 3.00x faster with DJL", IirReport.speedups(List.of(row("snn-T5", 5, 6.0, Double.NaN),
                row("snn-T1", 1, 2.0, Double.NaN))));
    }
}
