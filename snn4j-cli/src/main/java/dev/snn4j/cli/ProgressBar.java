package dev.snn4j.cli;

import dev.snn4j.recipe.Delays;
import dev.snn4j.recipe.Delta;
import dev.snn4j.recipe.IirSnn;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Training progress on the terminal: a bar redrawn in place (epoch, batch, loss, accuracy) when stderr is a console,
 * one line per epoch otherwise (logs, CI). It is the IIR recipe's listener, and {@link #delays()} / {@link #delta()}
 * adapt it to the other recipes' listeners.
 *
 * <pre>{@code
 * IirSnn.run(cfg, train, test, out, new ProgressBar(new PrintWriter(System.err, true)));
 * Delays.run(cfg, data, out, new ProgressBar(new PrintWriter(System.err, true)).delays());
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

    /** This bar as the delays recipe's listener (one stage per mode). */
    Delays.Listener delays() {
        return new Delays.Listener() {
            @Override
            public void started(String mode, int firstEpoch, int total, int batchesPerEpoch) {
                stageStarted(mode.toLowerCase(Locale.ROOT), total, batchesPerEpoch);
                if (firstEpoch > 0) {
                    err.printf(Locale.ROOT, "%s: resuming after epoch %d of %d%n", stage, firstEpoch, total);
                }
            }

            @Override
            public void batchDone(String mode, int epoch, int batch, double loss, double accuracy) {
                ProgressBar.this.batchDone(stage, epoch, batch, loss, accuracy);
            }

            @Override
            public void epochDone(String mode, int epoch, int total, double loss, double accuracy, double seconds,
                                  double sigma) {
                ProgressBar.this.epochDone(stage, epoch, loss, accuracy);
            }

            @Override
            public void done(Delays.Result r) {
                err.printf(Locale.ROOT, "%s: test accuracy %.2f %%%n", stage, 100 * r.accuracy());
                err.flush();
            }
        };
    }

    /** This bar as the delta recipe's listener (one stage per variant). */
    Delta.Listener delta() {
        return new Delta.Listener() {
            @Override
            public void message(String line) {
                err.println(line);
                err.flush();
            }

            @Override
            public void started(String variant, int firstEpoch, int total, int batchesPerEpoch) {
                stageStarted(variant, total, batchesPerEpoch);
            }

            @Override
            public void batchDone(String variant, int epoch, int batch, double loss, double accuracy) {
                ProgressBar.this.batchDone(variant, epoch, batch, loss, accuracy);
            }

            @Override
            public void epochDone(String variant, int epoch, int total, double loss, double accuracy,
                                  double seconds) {
                ProgressBar.this.epochDone(variant, epoch, loss, accuracy);
            }

            @Override
            public void done(Delta.Result r) {
                err.printf(Locale.ROOT, "%s: test accuracy %.2f %%%n", r.variant(), 100 * r.accuracy());
                err.flush();
            }
        };
    }

    @Override
    public void stageDone(IirSnn.StageResult r) {
        err.printf(Locale.ROOT, "%-9s T=%d: test accuracy %.2f %%%n", r.stage(), r.timeSteps(), 100 * r.accuracy());
        err.flush();
    }
}
