package dev.snn4j.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.snn4j.runtime.io.AtomicFiles;

/**
 * PNG charts for reports (JFreeChart, headless), written atomically.
 *
 * <pre>{@code
 * Charts.line(Path.of("acc.png"), "Accuracy vs T", "T", "accuracy (%)",
 *         Map.of("SNN", List.of(new double[] {5, 91.2}, new double[] {1, 90.7})));
 * }</pre>
 */
public final class Charts {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 420;

    private Charts() {
    }

    /** A line chart of one or more series of (x, y) points. */
    public static void line(Path png, String title, String xLabel, String yLabel, Map<String, List<double[]>> series)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, points) -> {
            XYSeries s = new XYSeries(name);
            points.forEach(p -> s.add(p[0], p[1]));
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        plot.setRenderer(renderer);
        plot.setBackgroundPaint(java.awt.Color.WHITE);
        plot.setRangeGridlinePaint(java.awt.Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(java.awt.Color.LIGHT_GRAY);
        write(png, chart);
    }

    /** A bar chart: values by (series, category). */
    public static void bars(Path png, String title, String categoryLabel, String valueLabel,
                            Map<String, Map<String, Double>> values) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        values.forEach((series, byCategory) -> byCategory.forEach((cat, v) -> data.addValue(v, series, cat)));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL,
                values.size() > 1, false, false);
        write(png, chart);
    }

    private static void write(Path png, JFreeChart chart) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(bytes, chart, WIDTH, HEIGHT);
        AtomicFiles.write(png, bytes.toByteArray());
    }
}
