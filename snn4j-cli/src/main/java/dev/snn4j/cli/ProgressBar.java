package dev.snn4j.cli;

import dev.snn4j.recipe.IirSnn;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Training progress on the terminal: a bar redrawn in place (epoch, batch, loss, accuracy) when stderr is a console,
 * one line per epoch otherwise (logs, CI).
 *
 * <pre>{@code
 * IirSnn.run(cfg, train, test, out, new ProgressBar(new PrintWriter(System.err, true)));
 * }</pre>
 */
final class ProgressBar implements IirSnn.Listener {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final boolean interactive;
    private String stage;
    private int epochs;
    private int batches;
    private long lastDraw;
    private long stageStart;

    ProgressBar(PrintWriter err) {
        this(err, System.console() != null);
    }

    ProgressBar(PrintWriter err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    @Override
    public void stageStarted(String name, int stageEpochs, int batchesPerEpoch) {
        stage = name;
        epochs = stageEpochs;
        batches = batchesPerEpoch;
        stageStart = System.nanoTime();
    }

    @Override
    public void batchDone(String name, int epoch, int batch, double loss, double accuracy) {
        long now = System.nanoTime();
        if (!interactive || (now - lastDraw < 200_000_000L && batch + 1 < batches)) {
            return;
        }
        lastDraw = now;
        int filled = (int) ((long) WIDTH * (batch + 1) / batches);
        err.printf(Locale.ROOT, "\r%-9s epoch %d/%d [%s%s] %d/%d loss %.4f acc %.2f%%  ", name, epoch + 1, epochs,
                "#".repeat(filled), ".".repeat(WIDTH - filled), batch + 1, batches, loss, 100 * accuracy);
        err.flush();
    }

    @Override
    public void epochDone(String name, int epoch, double loss, double accuracy) {
        err.printf(Locale.ROOT, "%s%-9s epoch %d/%d: train loss %.4f, train accuracy %.2f %% (%.0f s)%n",
                interactive ? "\r" : "", name, epoch + 1, epochs, loss, 100 * accuracy,
                (System.nanoTime() - stageStart) / 1e9);
        err.flush();
    }

    @Override
    public void stageDone(IirSnn.StageResult r) {
        err.printf(Locale.ROOT, "%-9s T=%d: test accuracy %.2f %%%n", r.stage(), r.timeSteps(), 100 * r.accuracy());
        err.flush();
    }
}
